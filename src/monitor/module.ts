import { instanceFilesDir } from '../files/local-instance-files.ts';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { TimerHandle } from '../core/clock.ts';
import { defineModule } from '../core/module.ts';
import type { InferenceResultStore } from '../inference/result.ts';
import type { ModelCard } from '../inference/models/model-card.ts';
import { loadCards } from './cards.ts';
import { loadCases } from './cases.ts';
import { tagReader } from './dicom-tags.ts';
import { driftTable } from './drift.ts';
import { DriftAlerter } from './drift-alerts.ts';
import { monitorMigrations } from './migrations.ts';
import { monitorRoutes } from './routes.ts';

export interface MonitorDeps {
  results: Pick<InferenceResultStore, 'get'>;
  /** This process runs the periodic drift check (`monitor.drift.checkEveryMs`); a scaled-out deployment runs it on its API processes. */
  scheduled: boolean;
}

const DAY = 86_400_000;

/**
 * Monitoring: the quality report and dashboards (`/api/monitor/*`), Prometheus metrics for
 * operations, and a periodic drift check that raises drift alerts. It reads the other domains'
 * tables as a read model (results, DICOM headers, readings, worklist, alerts) and never writes them.
 */
export const monitorModule = defineModule({
  name: 'monitor',
  migrations: monitorMigrations,
  async start(ctx, deps: MonitorDeps) {
    const cfg = ctx.config.monitor;
    const log = ctx.logger.child({ mod: 'monitor' });
    const alerter = new DriftAlerter({
      db: ctx.db,
      clock: ctx.clock,
      logger: log,
      alerts: ctx.config.alerts,
      psiThreshold: cfg.drift.psiThreshold,
      cooldownMs: cfg.drift.cooldownMs,
    });
    let cards: ModelCard[] = [];
    const cardsReady = loadCards(ctx.config.inference.modelDirs).then(
      (c) => (cards = c),
      (err: unknown) => log.error({ err }, 'model cards not readable: no claims to compare with'),
    );
    const readTags = tagReader(instanceFilesDir(ctx.config), cfg.bias.tags);

    const count = async (sql: string): Promise<number> => Number((await ctx.db.query<{ n: number | string }>(sql))[0]?.n ?? 0);
    new Gauge({
      name: 'readfirst_worklist_queue_depth',
      help: 'Studies on the worklist still to be read',
      registers: [ctx.metrics],
      collect: async function () {
        this.set(await count("SELECT COUNT(*) AS n FROM worklist_items WHERE is_open = 1 AND state = 'unread'"));
      },
    });
    new Gauge({
      name: 'readfirst_alerts_pending',
      help: 'Critical-result alerts not yet acknowledged',
      registers: [ctx.metrics],
      collect: async function () {
        this.set(await count("SELECT COUNT(*) AS n FROM alerts WHERE status = 'open'"));
      },
    });
    const latency = new Histogram({
      name: 'readfirst_inference_image_seconds',
      help: 'Time per analysed image, queue to result, per model',
      labelNames: ['model', 'version'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [ctx.metrics],
    });
    const rejections = new Counter({
      name: 'readfirst_gate_rejections_total',
      help: 'Images the quality gate refused, by model and reason',
      labelNames: ['model', 'reason'],
      registers: [ctx.metrics],
    });
    const driftGauge = new Gauge({
      name: 'readfirst_drift_psi',
      help: 'PSI of the current window against the reference window, per model version and subject',
      labelNames: ['model', 'version', 'subject'],
      registers: [ctx.metrics],
    });

    const off = ctx.bus.on('study.analysed', async (e) => {
      for (const id of e.resultIds) {
        const r = await deps.results.get(id);
        if (!r?.model) continue;
        if (r.status === 'analysed' && r.timings)
          latency.observe({ model: r.model.modelId, version: r.model.modelVersion }, r.timings.totalMs / 1000);
        if (r.status === 'not-analysable') rejections.inc({ model: r.model.modelId, reason: r.gate?.reason ?? 'unknown' });
      }
    });

    /** One drift check over the configured windows; exported through the route for an on-demand run. */
    const checkDrift = async (): Promise<number> => {
      const now = ctx.clock.now();
      const from = now - cfg.drift.windowDays * DAY;
      const current = await loadCases(ctx.db, { from, to: now, prefer: cfg.truthPrefer });
      const reference = await loadCases(ctx.db, { from: from - cfg.drift.referenceDays * DAY, to: from, prefer: cfg.truthPrefer });
      const rows = driftTable(reference, current, cfg.drift);
      for (const r of rows) if (r.psi !== null) driftGauge.set({ model: r.model.id, version: r.model.version, subject: r.subject }, r.psi);
      return (await alerter.raise(rows, { from, to: now })).length;
    };
    let timer: TimerHandle | undefined;
    let closed = false;
    let running: Promise<unknown> = Promise.resolve();
    const schedule = (): void => {
      if (closed || !deps.scheduled || cfg.drift.checkEveryMs === 0) return;
      timer = ctx.clock.setTimer(cfg.drift.checkEveryMs, () => {
        running = checkDrift()
          .catch((err: unknown) => log.error({ err }, 'drift check failed'))
          .finally(schedule);
      });
    };
    schedule();

    return {
      provides: { checkDrift },
      routes: monitorRoutes({ db: ctx.db, config: cfg, clock: ctx.clock, cards: async () => (await cardsReady, cards), readTags, alerter }),
      async close() {
        closed = true;
        off();
        timer?.cancel();
        await running;
      },
    };
  },
});
