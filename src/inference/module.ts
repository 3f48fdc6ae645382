import type { AppContext, AppModule } from '../app/context.ts';
import { ReadfirstError, errorMessage } from '../core/errors.ts';
import { InferenceEngine } from './engine.ts';
import { discoverPackageDirs, loadModelPackage, type ModelPackage } from './models/model-package.ts';
import { SqlInferenceResultStore } from './result-store.ts';
import { inferenceRoutes, type RefusedPackage } from './routes.ts';
import { startScoreOnArrival } from './score-on-arrival.ts';

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

/**
 * The inference domain: loads the model packages, starts the ONNX Runtime workers, and scores
 * every image on arrival (score-on-arrival.ts), emitting `study.analysed` per image and once
 * more when the study is complete. Publishes `inferenceResults` (InferenceResultStore)
 * and `inference` (the engine). A refused package is logged and listed at /api/inference/models;
 * the server still runs, and studies it would have read get "no AI model for this study".
 */
export async function initInference(ctx: AppContext): Promise<AppModule> {
  const log = ctx.logger.child({ mod: 'inference' });
  const cfg = ctx.config.inference;
  const results = new SqlInferenceResultStore(ctx.db);
  ctx.services.inferenceResults = results;
  const { packages, refused } = await loadPackages(cfg.modelDirs);
  for (const r of refused) log.error({ dir: r.dir }, r.message);
  const engine = await InferenceEngine.start({ packages, shadowModels: cfg.shadowModels, testModels: cfg.testModels, workers: cfg.workers, intraOpThreads: cfg.intraOpThreads, nice: cfg.workerNice, maxBatch: cfg.maxBatch, jobTimeoutMs: cfg.jobTimeoutMs, background: true });
  ctx.services.inference = engine;
  const models = packages.map((p) => `${p.card.id}@${p.card.version}`);
  engine.ready().then(
    () => log.info({ models, shadow: cfg.shadowModels, workers: cfg.workers }, 'inference workers ready'),
    (err: unknown) => log.error({ err, models }, 'inference workers failed to load the models: studies will fail until restart'),
  );

  const dicomStore = ctx.services.dicomStore;
  const instanceFiles = ctx.services.instanceFiles;
  if (!dicomStore || !instanceFiles) throw new ReadfirstError('config', 'the inference module needs the dicom module started before it');
  const arrival = startScoreOnArrival({
    engine,
    results,
    dicomStore,
    instanceFiles,
    now: () => ctx.clock.now(),
    bus: ctx.bus,
    logger: log,
    metrics: ctx.metrics,
    capacity: cfg.queueCapacity,
    concurrency: cfg.workers * cfg.maxBatch,
  });

  return {
    name: 'inference',
    routes: inferenceRoutes({ results, registry: () => engine.registry, refused }),
    async close() {
      await arrival.close();
      await engine.close();
    },
  };
}
