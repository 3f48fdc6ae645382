import { defineModule } from '../core/module.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import type { InstanceFiles } from '../files/instance-files.ts';
import type { InferenceResultStore } from '../inference/result.ts';
import { SqlInferenceResultStore } from '../inference/result-store.ts';
import { outboxMigrations } from './outbox/migrations.ts';
import { OutboxStore } from './outbox/outbox-store.ts';
import { OutboxWorker } from './outbox/outbox-worker.ts';
import { createReportsService, type ReportsService } from './reports-service.ts';
import { reportsRoutes } from './routes.ts';
import { createWritebackMetrics } from './writeback/metrics.ts';
import { senderFor } from './writeback/senders.ts';

/** What the outputs domain needs: the studies and their bytes, and the AI results. */
export interface ReportsDeps {
  studies: DicomStore;
  files: InstanceFiles;
  results: InferenceResultStore;
  /** This process runs the outbox worker (write-back sends; leased, so several may run). */
  deliver: boolean;
}

/** What it offers: writing a study's outputs on demand, the outbox and its worker (tests, API). */
export interface ReportsServices {
  service: ReportsService;
  outbox: OutboxStore;
  worker: OutboxWorker;
}

/**
 * The outputs domain (IHE AIR): on the completing `study.analysed` (`complete: true`) it writes the study's SR, KOS and heat-map
 * objects, keeps them in the outbox and delivers them to every configured destination; on
 * `worklist.changed` it queues the study's urgency for destinations that take it (Orthanc).
 */
export const reportsModule = defineModule({
  name: 'reports',
  migrations: outboxMigrations,
  async start(ctx, deps: ReportsDeps) {
    const log = ctx.logger.child({ mod: 'reports' });
    const { reports, writeback } = ctx.config;
    const outbox = new OutboxStore(ctx.db);
    const senders = writeback.destinations.map((d) =>
      senderFor(d, { callingAeTitle: ctx.config.dimse.aeTitle, timeoutMs: writeback.timeoutMs }),
    );
    // The gauges read the worker's health at scrape time, after it exists.
    const observer = createWritebackMetrics(ctx.metrics, { counts: () => outbox.destinationCounts(), up: () => worker.destinations() });
    const worker = new OutboxWorker({ store: outbox, senders, clock: ctx.clock, logger: log, config: writeback, observer });
    const service = createReportsService({
      outputs: {
        results: deps.results,
        // Heat-map sources are rows of the inference tables, read here without a write path.
        heatmaps: new SqlInferenceResultStore(ctx.db),
        dicomStore: deps.studies,
        instanceFiles: deps.files,
        now: () => ctx.clock.now(),
        outputs: reports.outputs,
        manufacturer: reports.manufacturer,
        logger: log,
      },
      outbox,
      destinations: writeback.destinations,
      clock: ctx.clock,
      logger: log,
      kick: () => worker.kick(),
    });
    const inflight = new Set<Promise<void>>();
    const track = (p: Promise<void>): Promise<void> => {
      inflight.add(p);
      return p.finally(() => inflight.delete(p));
    };
    const offs = [
      ctx.bus.on('study.analysed', (e) => {
        // Scored on arrival, a study is re-read after each image; the outputs wait for the whole study.
        if (!reports.enabled || !e.complete || e.status !== 'analysed') return;
        return track(
          service.writeStudy(e.studyInstanceUid).then(
            () => undefined,
            (err: unknown) => log.error({ err, study: e.studyInstanceUid }, 'writing the AI outputs failed'),
          ),
        );
      }),
      ctx.bus.on('worklist.changed', (e) =>
        track(
          service.publishUrgency(e).catch((err: unknown) => log.error({ err, study: e.studyInstanceUid }, 'queueing the urgency failed')),
        ),
      ),
    ];
    if (deps.deliver) worker.start();
    log.info(
      { destinations: writeback.destinations.map((d) => `${d.id} (${d.type})`), outputs: reports.enabled ? reports.outputs : [] },
      'outputs and write-back ready',
    );
    const provides: ReportsServices = { service, outbox, worker };
    return {
      provides,
      routes: reportsRoutes(outbox, worker, writeback.destinations, ctx.clock),
      async drain() {
        for (const off of offs) off();
        await Promise.allSettled([...inflight]);
      },
      async close() {
        await worker.close();
      },
    };
  },
});
