import { defineModule } from '../core/module.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import { errorMessage } from '../core/errors.ts';
import type { InstanceFiles } from '../files/instance-files.ts';
import { InferenceEngine } from './engine.ts';
import { inferenceMigrations } from './migrations.ts';
import { discoverPackageDirs, loadModelPackage, type ModelPackage } from './models/model-package.ts';
import type { InferenceResultStore } from './result.ts';
import { SqlInferenceResultStore } from './result-store.ts';
import { inferenceRoutes, type RefusedPackage } from './routes.ts';
import { startScoreOnArrival } from './score-on-arrival.ts';
import type { StudyAnalysisDeps } from './analyse-study.ts';

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

/** What the inference module needs: the studies and their stored bytes, and what this process runs. */
export interface InferenceDeps {
  studies: DicomStore;
  files: InstanceFiles;
  /**
   * `on-arrival`: this process reads each image it stores (the single-process server).
   * `jobs`: it runs the models, and the analysis jobs decide what it reads (a worker process, src/jobs/).
   * `none`: it loads the model cards (listed at /api/inference/models) but starts no workers (API, ingest).
   */
  scoring: 'on-arrival' | 'jobs' | 'none';
}

/** What it offers: the stored AI results (per study, series, instance and model) and the engine. */
export interface InferenceServices {
  results: InferenceResultStore;
  engine: InferenceEngine;
  /** What reading an image or finishing a study needs (the analysis jobs of a worker process). */
  analysis: StudyAnalysisDeps;
  /** The loaded model versions, `id@version` sorted and joined by commas (part of an analysis job's key). */
  models: string;
}

/**
 * The inference domain: loads the model packages, starts the ONNX Runtime workers, and scores
 * every image on arrival (score-on-arrival.ts): `study.analysed` after each image's reading and
 * once more, `complete`, when the study is complete. A refused package is logged and listed at
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
    const engine = await InferenceEngine.start({
      packages,
      shadowModels: cfg.shadowModels,
      testModels: cfg.testModels,
      workers: deps.scoring === 'none' ? 0 : cfg.workers,
      intraOpThreads: cfg.intraOpThreads,
      nice: cfg.workerNice,
      maxBatch: cfg.maxBatch,
      jobTimeoutMs: cfg.jobTimeoutMs,
      background: true,
    });
    const models = packages.map((p) => `${p.card.id}@${p.card.version}`).sort();
    const analysis: StudyAnalysisDeps = {
      engine,
      results,
      dicomStore: deps.studies,
      instanceFiles: deps.files,
      now: () => ctx.clock.now(),
    };
    if (deps.scoring !== 'none')
      engine.ready().then(
        () => log.info({ models, shadow: cfg.shadowModels, workers: cfg.workers }, 'inference workers ready'),
        (err: unknown) => log.error({ err, models }, 'inference workers failed to load the models: studies will fail until restart'),
      );

    const arrival =
      deps.scoring === 'on-arrival'
        ? startScoreOnArrival({
            ...analysis,
            bus: ctx.bus,
            logger: log,
            metrics: ctx.metrics,
            capacity: cfg.queueCapacity,
            concurrency: cfg.workers * cfg.maxBatch,
          })
        : undefined;
    const provides: InferenceServices = { results, engine, analysis, models: models.join(',') };
    return {
      provides,
      routes: inferenceRoutes({ results, registry: () => engine.registry, refused }),
      async drain() {
        await arrival?.close();
      },
      async close() {
        await arrival?.close();
        await engine.close();
      },
    };
  },
});
