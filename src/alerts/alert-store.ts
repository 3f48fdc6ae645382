import { randomUUID } from 'node:crypto';
import { type Db, queryOne } from '../store/db.ts';
import type { Alert } from './alert.ts';

export type DeliveryChannel = 'webhook' | 'smtp';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One message to one target. Its id travels with every retry, so receivers can drop repeats. */
export interface Delivery {
  id: string;
  alertId: string;
  level: number;
  channel: DeliveryChannel;
  target: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

type R = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toAlert(r: R): Alert {
  return {
    id: String(r.id),
    studyInstanceUid: String(r.study_instance_uid),
    reason: String(r.reason),
    status: r.status === 'acknowledged' ? 'acknowledged' : 'open',
    level: num(r.level),
    raisedAt: num(r.raised_at),
    escalateAt: num(r.escalate_at),
    escalatedAt: numOrNull(r.escalated_at),
    acknowledgedAt: numOrNull(r.acknowledged_at),
    acknowledgedBy: typeof r.acknowledged_by === 'string' ? r.acknowledged_by : null,
  };
}

function toDelivery(r: R): Delivery {
  return {
    id: String(r.id),
    alertId: String(r.alert_id),
    level: num(r.level),
    channel: r.channel as DeliveryChannel,
    target: String(r.target),
    status: r.status as DeliveryStatus,
    attempts: num(r.attempts),
    lastError: typeof r.last_error === 'string' ? r.last_error : null,
    createdAt: num(r.created_at),
    deliveredAt: numOrNull(r.delivered_at),
  };
}

/** Alerts and their deliveries, recorded in the metadata store (SQLite or PostgreSQL). */
export class AlertStore {
  constructor(private readonly db: Db) {}

  /** Records an alert unless the study already has one; `created` says which. */
  async raise(studyInstanceUid: string, reason: string, now: number, escalateAt: number): Promise<{ alert: Alert; created: boolean }> {
    const n = await this.db.run(
      `INSERT INTO alerts (id, study_instance_uid, reason, status, level, raised_at, escalate_at) VALUES ($1, $2, $3, 'open', 0, $4, $5)
       ON CONFLICT (study_instance_uid) DO NOTHING`,
      [randomUUID(), studyInstanceUid, reason, now, escalateAt],
    );
    const row = await queryOne(this.db, 'SELECT * FROM alerts WHERE study_instance_uid = $1', [studyInstanceUid]);
    if (!row) throw new Error('alert insert lost its row');
    return { alert: toAlert(row), created: n === 1 };
  }

  async get(id: string): Promise<Alert | undefined> {
    const row = await queryOne(this.db, 'SELECT * FROM alerts WHERE id = $1', [id]);
    return row ? toAlert(row) : undefined;
  }

  async list(status: 'open' | 'acknowledged' | 'all', limit = 200): Promise<Alert[]> {
    const rows = await this.db.query(`SELECT * FROM alerts WHERE ($1 = 'all' OR status = $1) ORDER BY raised_at DESC, id LIMIT $2`, [
      status,
      limit,
    ]);
    return rows.map(toAlert);
  }

  /** True when this call acknowledged it (false: already acknowledged or unknown). */
  async acknowledge(id: string, user: string, now: number): Promise<boolean> {
    return (
      (await this.db.run(
        `UPDATE alerts SET status = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND status = 'open'`,
        [now, user, id],
      )) === 1
    );
  }

  /** Moves an unacknowledged alert to level 1; false when it was acknowledged or already escalated. */
  async escalate(id: string, now: number): Promise<boolean> {
    return (
      (await this.db.run(`UPDATE alerts SET level = 1, escalated_at = $1 WHERE id = $2 AND status = 'open' AND level = 0`, [now, id])) === 1
    );
  }

  async addDelivery(d: Pick<Delivery, 'alertId' | 'level' | 'channel' | 'target'>, now: number): Promise<Delivery> {
    const id = randomUUID();
    await this.db.run(
      `INSERT INTO alert_deliveries (id, alert_id, level, channel, target, status, attempts, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6)`,
      [id, d.alertId, d.level, d.channel, d.target, now],
    );
    return { ...d, id, status: 'pending', attempts: 0, lastError: null, createdAt: now, deliveredAt: null };
  }

  async recordAttempt(id: string, status: DeliveryStatus, error: string | null, now: number): Promise<void> {
    await this.db.run(
      `UPDATE alert_deliveries SET attempts = attempts + 1, status = $1, last_error = $2, delivered_at = CASE WHEN $1 = 'delivered' THEN $3 ELSE delivered_at END WHERE id = $4`,
      [status, error, now, id],
    );
  }

  async delivery(id: string): Promise<Delivery | undefined> {
    const row = (await this.db.query('SELECT * FROM alert_deliveries WHERE id = $1', [id]))[0];
    return row ? toDelivery(row) : undefined;
  }

  async deliveries(alertId?: string): Promise<Delivery[]> {
    const rows = alertId
      ? await this.db.query('SELECT * FROM alert_deliveries WHERE alert_id = $1 ORDER BY created_at, id', [alertId])
      : await this.db.query(`SELECT * FROM alert_deliveries WHERE status = 'pending' ORDER BY created_at, id`);
    return rows.map(toDelivery);
  }
}
