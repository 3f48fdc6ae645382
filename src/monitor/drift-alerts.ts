import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import { sendMail } from '../alerts/smtp.ts';
import { postWebhook } from '../alerts/webhook.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import type { DriftRow } from './drift.ts';

/** One drift alert as stored and sent. */
export interface DriftAlert {
  id: string;
  modelId: string;
  modelVersion: string;
  subject: string;
  statistic: 'psi' | 'ks';
  value: number;
  threshold: number;
  windowFrom: number;
  windowTo: number;
  message: string;
  raisedAt: number;
}

export interface DriftAlerterDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  alerts: Config['alerts'];
  psiThreshold: number;
  /** The same model, version and subject raise again only after this long. */
  cooldownMs: number;
}

/**
 * Raises drift alerts through the existing alert channels: a warning in the log, the signed
 * webhooks and e-mail of `alerts.*` (the same HMAC signature as critical-result alerts, with
 * `type: "drift"`), and a row the dashboard lists. Repeats within the cool-down are dropped.
 */
export class DriftAlerter {
  constructor(private readonly deps: DriftAlerterDeps) {}

  async raise(rows: readonly DriftRow[], window: { from: number; to: number }): Promise<DriftAlert[]> {
    const { db, clock, logger } = this.deps;
    const raised: DriftAlert[] = [];
    for (const row of rows.filter((r) => r.drifted)) {
      const now = clock.now();
      const recent = await db.query(
        'SELECT id FROM drift_alert WHERE model_id = $1 AND model_version = $2 AND subject = $3 AND raised_at > $4',
        [row.model.id, row.model.version, row.subject, now - this.deps.cooldownMs],
      );
      if (recent.length > 0) continue;
      const byPsi = row.psi !== null && row.psi >= this.deps.psiThreshold;
      const alert: DriftAlert = {
        id: randomUUID(),
        modelId: row.model.id,
        modelVersion: row.model.version,
        subject: row.subject,
        statistic: byPsi ? 'psi' : 'ks',
        value: byPsi ? (row.psi ?? 0) : (row.ks?.pValue ?? 0),
        threshold: byPsi ? this.deps.psiThreshold : 0,
        windowFrom: window.from,
        windowTo: window.to,
        raisedAt: now,
        message: `${row.model.id}@${row.model.version}: ${row.subject} drifted (PSI ${row.psi?.toFixed(3) ?? '-'}, KS D ${row.ks?.d.toFixed(3) ?? '-'} p ${row.ks ? row.ks.pValue.toExponential(1) : '-'}; ${row.reference} reference vs ${row.current} current)`,
      };
      await db.run(
        'INSERT INTO drift_alert (id, model_id, model_version, subject, statistic, value, threshold, window_from, window_to, message, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
        [
          alert.id,
          alert.modelId,
          alert.modelVersion,
          alert.subject,
          alert.statistic,
          alert.value,
          alert.threshold,
          alert.windowFrom,
          alert.windowTo,
          alert.message,
          alert.raisedAt,
        ],
      );
      logger.warn({ drift: alert.id, model: `${alert.modelId}@${alert.modelVersion}`, subject: alert.subject }, alert.message);
      await this.send(alert);
      raised.push(alert);
    }
    return raised;
  }

  async list(since: number): Promise<DriftAlert[]> {
    const rows = await this.deps.db.query<Record<string, unknown>>(
      'SELECT * FROM drift_alert WHERE raised_at >= $1 ORDER BY raised_at DESC, id',
      [since],
    );
    return rows.map((r) => ({
      id: String(r.id),
      modelId: String(r.model_id),
      modelVersion: String(r.model_version),
      subject: String(r.subject),
      statistic: r.statistic === 'ks' ? 'ks' : 'psi',
      value: Number(r.value),
      threshold: Number(r.threshold),
      windowFrom: Number(r.window_from),
      windowTo: Number(r.window_to),
      message: String(r.message),
      raisedAt: Number(r.raised_at),
    }));
  }

  private async send(alert: DriftAlert): Promise<void> {
    const { alerts, clock, logger } = this.deps;
    const body = JSON.stringify({
      type: 'drift',
      alertId: alert.id,
      model: { id: alert.modelId, version: alert.modelVersion },
      subject: alert.subject,
      message: alert.message,
      raisedAt: new Date(alert.raisedAt).toISOString(),
      aiGenerated: true,
    });
    for (const target of alerts.webhooks) {
      const out = await postWebhook(target, alert.id, body, clock.now());
      if (!out.ok) logger.error({ drift: alert.id, error: out.error }, 'drift webhook failed');
    }
    if (alerts.smtp.host && alerts.smtp.to.length > 0) {
      await sendMail({
        host: alerts.smtp.host,
        port: alerts.smtp.port,
        from: alerts.smtp.from,
        to: [...alerts.smtp.to],
        subject: `[readfirst] model drift: ${alert.subject}`,
        text: `${alert.message}\n\nReview the monitoring dashboard before trusting this model's triage.`,
        messageId: alert.id,
        date: new Date(clock.now()),
      }).catch((err: unknown) => logger.error({ err, drift: alert.id }, 'drift e-mail failed'));
    }
  }
}
