import type { Migration } from '../store/migrate.ts';

/**
 * Schema of critical-result alerts and their deliveries.
 * Ids keep their historical `triage-` prefix: they are recorded in existing databases.
 */
export const alertMigrations: readonly Migration[] = [
  {
    id: 'triage-002-alerts',
    sql: `
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        study_instance_uid TEXT NOT NULL UNIQUE,
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        level INTEGER NOT NULL,
        raised_at BIGINT NOT NULL,
        escalate_at BIGINT NOT NULL,
        escalated_at BIGINT,
        acknowledged_at BIGINT,
        acknowledged_by TEXT
      );
      CREATE INDEX alerts_status ON alerts (status, raised_at);
      CREATE TABLE alert_deliveries (
        id TEXT PRIMARY KEY,
        alert_id TEXT NOT NULL REFERENCES alerts (id),
        level INTEGER NOT NULL,
        channel TEXT NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        delivered_at BIGINT
      );
      CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);
    `,
  },
];
