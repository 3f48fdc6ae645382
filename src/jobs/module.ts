import { defineModule } from '../core/module.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import { analyseInstance, type StudyAnalysisDeps } from '../inference/analyse-study.ts';
import type { SqlInferenceResultStore } from '../inference/result-store.ts';
import { finishStudy } from '../inference/score-on-arrival.ts';
import { AnalysisJobs } from './analysis-jobs.ts';
import { startAnalysisEnqueuer } from './analysis-enqueuer.ts';
import { analysisJobHandler, isUniqueViolation, studyJobHandler } from './analysis-worker.ts';
import { jobMigrations } from './migrations.ts';

/** What the jobs module needs; `mode` is the process's half of analysis, chosen by its role. */
export interface JobsDeps {
  /** `enqueue`: an ingest process (one job per stored image and per completed study); `work`: a worker process. */
  mode: 'enqueue' | 'work';
  studies: DicomStore;
  results: SqlInferenceResultStore;
  /** Reading an image and finishing a study (the inference module's `analysis`). */
  analysis: StudyAnalysisDeps;
  /** The loaded model versions (`id@version,…`): part of an image job's idempotency key. */
  models: string;
  /** How long a stopping worker lets its jobs in flight finish before it hands them back. */
  graceMs: number;
}

export interface JobsServices {
  jobs: AnalysisJobs;
}

/**
 * Analysis as durable jobs on PostgreSQL (pg-boss) for a scaled-out deployment, in place of the
 * single process's score on arrival: the ingest role queues one job per stored image and one per
 * completed study; worker roles take them, read the image (or finish the study) and emit
 * `study.analysed` locally, where triage, the SR, FHIR and HL7 outputs and alerts handle it once;
 * the re-ranking reaches the API nodes' SSE streams over LISTEN/NOTIFY (src/cluster/).
 */
export const jobsModule = defineModule({
  name: 'jobs',
  migrations: jobMigrations,
  async start(ctx, deps: JobsDeps) {
    const log = ctx.logger.child({ mod: 'jobs', mode: deps.mode });
    const cfg = ctx.config.cluster;
    const jobs = await AnalysisJobs.start({
      connectionString: ctx.config.databaseUrl,
      schema: cfg.jobSchema,
      retryLimit: cfg.retryLimit,
      retryDelaySeconds: cfg.retryDelaySeconds,
      expireInSeconds: cfg.expireInSeconds,
      pollingIntervalSeconds: cfg.pollingIntervalSeconds,
      metrics: ctx.metrics,
      onError: (err) => log.error({ err }, 'job queue error'),
    });
    const now = (): number => ctx.clock.now();
    const provides: JobsServices = { jobs };
    if (deps.mode === 'enqueue') {
      const enqueuer = startAnalysisEnqueuer({
        bus: ctx.bus,
        jobs,
        studies: deps.studies,
        models: deps.models,
        onError: (err, study) => log.error({ err, study }, 'queueing an analysis job failed'),
      });
      return { provides, drain: () => enqueuer.close(), close: () => jobs.stop(1000) };
    }
    const concurrency = cfg.workerConcurrency || 3 * ctx.config.inference.workers * ctx.config.inference.maxBatch;
    // A reading another attempt (or the study's own image job) stored first is done, not an error.
    const readImage = async (job: Parameters<typeof analyseInstance>[1]): Promise<void> => {
      try {
        await analyseInstance(deps.analysis, job);
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    };
    await jobs.work(concurrency, analysisJobHandler({ analyse: readImage, results: deps.results, bus: ctx.bus, now }), now);
    await jobs.workStudies(
      Math.max(1, Math.ceil(concurrency / 2)),
      studyJobHandler({
        finish: (studyUid) =>
          finishStudy(deps.analysis, studyUid, async (unread) => {
            for (const job of unread) await readImage(job);
            return true;
          }),
        bus: ctx.bus,
        logger: log,
      }),
      now,
    );
    log.info({ concurrency, models: deps.models }, 'taking analysis jobs');
    return {
      provides,
      // Fetch nothing new; jobs in flight finish within the grace period or go back to the queue.
      drain: () => jobs.stop(deps.graceMs),
    };
  },
});
