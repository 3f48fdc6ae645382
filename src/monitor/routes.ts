import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import type { ModelCard } from '../inference/models/model-card.ts';
import type { Db } from '../store/db.ts';
import { monitorCharts } from './charts.ts';
import type { DriftAlerter } from './drift-alerts.ts';
import { buildMonitorReport, type MonitorReport } from './report.ts';
import { reportCsv } from './report-csv.ts';
import { reportHtml } from './report-html.ts';

export interface MonitorRouteDeps {
  db: Db;
  config: Config['monitor'];
  clock: Clock;
  cards: () => Promise<ModelCard[]>;
  readTags: ((filePath: string) => Promise<Record<string, string>>) | undefined;
  alerter: DriftAlerter;
}

const QUALITY = { roles: ['radiologist', 'admin'] } as const;
const when = z
  .string()
  .refine((v) => Number.isFinite(Date.parse(v)), 'must be a date (YYYY-MM-DD or ISO 8601)')
  .transform((v) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v));
const querySchema = z.object({
  from: when.optional(),
  to: when.optional(),
  model: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  splitAt: when.optional(),
  resamples: z.coerce.number().int().min(50).max(5000).default(500),
});

/**
 * The monitoring API: the report as JSON with its Vega-Lite specs (the dashboard renders them),
 * as CSV and as the self-contained HTML report, and the model versions seen.
 */
export function monitorRoutes(d: MonitorRouteDeps): RouteDef[] {
  const build = async (raw: unknown): Promise<MonitorReport> => {
    const parsed = querySchema.safeParse(raw);
    if (!parsed.success)
      throw new ReadfirstError('invalid-input', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const q = parsed.data;
    const now = d.clock.now();
    const to = q.to ?? now;
    const from = q.from ?? to - 30 * 86_400_000;
    if (from >= to) throw new ReadfirstError('invalid-input', 'from must be before to');
    const alerts = await d.alerter.list(from);
    return buildMonitorReport(d.db, d.config, {
      from,
      to,
      modelId: q.model,
      modelVersion: q.version,
      splitAt: q.splitAt,
      resamples: q.resamples,
      cards: await d.cards(),
      readTags: d.readTags,
      driftAlerts: alerts,
      now,
    });
  };
  return [
    {
      method: 'GET',
      url: '/api/monitor/report',
      access: QUALITY,
      summary: 'monitoring report (figures and Vega-Lite plot specs)',
      handler: async (req) => {
        const report = await build(req.query);
        return { report, charts: monitorCharts(report) };
      },
    },
    {
      method: 'GET',
      url: '/api/monitor/report.csv',
      access: QUALITY,
      summary: 'monitoring report as CSV',
      handler: async (req, reply) => {
        const csv = reportCsv(await build(req.query));
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="readfirst-monitoring.csv"')
          .send(csv);
      },
    },
    {
      method: 'GET',
      url: '/api/monitor/report.html',
      access: QUALITY,
      summary: 'monitoring report as self-contained HTML',
      handler: async (req, reply) =>
        reply.header('content-type', 'text/html; charset=utf-8').send(await reportHtml(await build(req.query))),
    },
    {
      method: 'GET',
      url: '/api/monitor/models',
      access: QUALITY,
      summary: 'model versions with stored results',
      handler: async () => ({
        models: (
          await d.db.query<{ model_id: string; model_version: string; n: number | string; first: number | string; last: number | string }>(
            'SELECT model_id, model_version, COUNT(*) AS n, MIN(created_at) AS first, MAX(created_at) AS last FROM inference_result WHERE model_id IS NOT NULL GROUP BY model_id, model_version ORDER BY model_id, model_version',
          )
        ).map((r) => ({ id: r.model_id, version: r.model_version, results: Number(r.n), first: Number(r.first), last: Number(r.last) })),
      }),
    },
  ];
}
