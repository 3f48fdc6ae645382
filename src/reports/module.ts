import type { Registry } from 'prom-client';
import type { AppContext, AppModule } from '../app/context.ts';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { DicomStore, InstanceFiles } from '../dicom/dicom-store.ts';
import type { EventBus } from '../events/bus.ts';
import { SqlInferenceResultStore } from '../inference/result-store.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import { OutboxStore } from './outbox/outbox-store.ts';
import { OutboxWorker } from './outbox/outbox-worker.ts';
import { createReportsService, type ReportsService } from './reports-service.ts';
import { reportsRoutes } from './routes.ts';
import { createWritebackMetrics } from './writeback/metrics.ts';
import { senderFor } from './writeback/senders.ts';

/** Everything the outputs domain needs, typed: a missing dependency is a compile error. */
export interface ReportsDeps {
  config: Pick<Config, 'reports' | 'writeback' | 'dimse'>;
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  dicomStore: DicomStore;
  instanceFiles: InstanceFiles;
}

export interface ReportsModule extends AppModule {
  service: ReportsService;
  outbox: OutboxStore;
  worker: OutboxWorker;
}

/**
 * The outputs domain (IHE AIR): on `study.analysed` it writes the study's SR, KOS and heat-map
 * objects, keeps them in the outbox and delivers them to every configured destination; on
 * `worklist.changed` it queues the study's urgency for destinations that take it (Orthanc).
 */
export async function createReportsModule(deps: ReportsDeps): Promise<ReportsModule> {
  const log = deps.logger.child({ mod: 'reports' });
  const { reports, writeback } = deps.config;
  const outbox = new OutboxStore(deps.db);
  const senders = writeback.destinations.map((d) => senderFor(d, { callingAeTitle: deps.config.dimse.aeTitle, timeoutMs: writeback.timeoutMs }));
  // The gauges read the worker's health at scrape time, after it exists.
  const observer = createWritebackMetrics(deps.metrics, { counts: () => outbox.destinationCounts(), up: () => worker.destinations() });
  const worker = new OutboxWorker({ store: outbox, senders, clock: deps.clock, logger: log, config: writeback, observer });
  const service = createReportsService({
    outputs: {
      results: new SqlInferenceResultStore(deps.db),
      heatmaps: new SqlInferenceResultStore(deps.db),
      dicomStore: deps.dicomStore,
      instanceFiles: deps.instanceFiles,
      now: () => deps.clock.now(),
      outputs: reports.outputs,
      manufacturer: reports.manufacturer,
      logger: log,
    },
    outbox,
    destinations: writeback.destinations,
    clock: deps.clock,
    logger: log,
    kick: () => worker.kick(),
  });
  const inflight = new Set<Promise<void>>();
  const track = (p: Promise<void>): Promise<void> => {
    inflight.add(p);
    return p.finally(() => inflight.delete(p));
  };
  const offs = [
    deps.bus.on('study.analysed', (e) => {
      if (!reports.enabled || e.status !== 'analysed') return;
      return track(
        service.writeStudy(e.studyInstanceUid).then(
          () => undefined,
          (err: unknown) => log.error({ err, study: e.studyInstanceUid }, 'writing the AI outputs failed'),
        ),
      );
    }),
    deps.bus.on('worklist.changed', (e) =>
      track(service.publishUrgency(e).catch((err: unknown) => log.error({ err, study: e.studyInstanceUid }, 'queueing the urgency failed'))),
    ),
  ];
  worker.start();
  log.info({ destinations: writeback.destinations.map((d) => `${d.id} (${d.type})`), outputs: reports.enabled ? reports.outputs : [] }, 'outputs and write-back ready');
  return {
    name: 'reports',
    service,
    outbox,
    worker,
    routes: reportsRoutes(outbox, worker, writeback.destinations, deps.clock),
    async close() {
      for (const off of offs) off();
      await Promise.allSettled([...inflight]);
      await worker.close();
    },
  };
}

/** The module factory for the app's start list (src/app/modules.ts). */
export async function initReports(ctx: AppContext): Promise<AppModule> {
  const { dicomStore, instanceFiles } = ctx.services;
  if (!dicomStore || !instanceFiles) throw new Error('reports module needs the dicom module started before it');
  return createReportsModule({ config: ctx.config, db: ctx.db, bus: ctx.bus, clock: ctx.clock, logger: ctx.logger, metrics: ctx.metrics, dicomStore, instanceFiles });
}
