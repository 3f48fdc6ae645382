import { defineModule } from '../core/module.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import { errorMessage } from '../core/errors.ts';
import type { StudyCompleteEvent } from '../events/types.ts';
import type { InstanceFiles } from '../files/instance-files.ts';
import { analyseStudy } from './analyse-study.ts';
import { InferenceEngine } from './engine.ts';
import { inferenceMigrations } from './migrations.ts';
import { discoverPackageDirs, loadModelPackage, type ModelPackage } from './models/model-package.ts';
import type { InferenceResultStore } from './result.ts';
import { SqlInferenceResultStore } from './result-store.ts';
import { inferenceRoutes, type RefusedPackage } from './routes.ts';

/** Loads every package under the configured folders; refused ones are reported, not fatal. */
export async function loadPackages(modelDirs: readonly string[]): Promise<{ packages: ModelPackage[]; refused: RefusedPackage[] }> {
  const packages: ModelPackage[] = [];
  const refused: RefusedPackage[] = [];
  for (const dir of await discoverPackageDirs(modelDirs)) {
    try {
      packages.push(await loadModelPackage(dir));
    } catch (e) {
      refused.push({ dir, message: errorMessage(e) });
    }
  }
  return { packages, refused };
}

/** What the inference module needs: the studies and their stored bytes. */
export interface InferenceDeps {
  studies: DicomStore;
  files: InstanceFiles;
}

/** What it offers: the stored AI results (per study, series, instance and model) and the engine. */
export interface InferenceServices {
  results: InferenceResultStore;
  engine: InferenceEngine;
}

/**
 * The inference domain: loads the model packages, starts the ONNX Runtime workers, reads every
 * `study.complete` and emits `study.analysed`. A refused package is logged and listed at
 * /api/inference/models; the server still runs, and studies it would have read get "no AI model
 * for this study".
 */
export const inferenceModule = defineModule({
  name: 'inference',
  migrations: inferenceMigrations,
  async start(ctx, deps: InferenceDeps) {
    const log = ctx.logger.child({ mod: 'inference' });
    const cfg = ctx.config.inference;
    const results = new SqlInferenceResultStore(ctx.db);
    const { packages, refused } = await loadPackages(cfg.modelDirs);
    for (const r of refused) log.error({ dir: r.dir }, r.message);
    const engine = await InferenceEngine.start({ packages, shadowModels: cfg.shadowModels, workers: cfg.workers, intraOpThreads: cfg.intraOpThreads, maxBatch: cfg.maxBatch, jobTimeoutMs: cfg.jobTimeoutMs, background: true });
    const models = packages.map((p) => `${p.card.id}@${p.card.version}`);
    engine.ready().then(
      () => log.info({ models, shadow: cfg.shadowModels, workers: cfg.workers }, 'inference workers ready'),
      (err: unknown) => log.error({ err, models }, 'inference workers failed to load the models: studies will fail until restart'),
    );

    const inflight = new Set<Promise<void>>();
    const onComplete = async (e: StudyCompleteEvent): Promise<void> => {
      const event = await analyseStudy({ engine, results, dicomStore: deps.studies, instanceFiles: deps.files, now: () => ctx.clock.now() }, e.studyInstanceUid);
      log.info({ study: e.studyInstanceUid, status: event.status, results: event.resultIds.length }, 'study analysed');
      ctx.bus.emit('study.analysed', event);
    };
    const off = ctx.bus.on('study.complete', (e) => {
      const p = onComplete(e).catch((err: unknown) => {
        log.error({ err, study: e.studyInstanceUid }, 'study analysis failed');
        ctx.bus.emit('study.analysed', { studyInstanceUid: e.studyInstanceUid, status: 'failed', resultIds: [], analysedAt: ctx.clock.now() });
      });
      inflight.add(p);
      return p.finally(() => inflight.delete(p));
    });
    const provides: InferenceServices = { results, engine };
    return {
      provides,
      routes: inferenceRoutes({ results, registry: () => engine.registry, refused }),
      async close() {
        off();
        await Promise.allSettled([...inflight]);
        await engine.close();
      },
    };
  },
});
