import type { Migration } from '../store/migrate.ts';

/**
 * Schema of the monitoring domain: imported ground-truth labels (keyed by study UID or accession
 * number, resolved when read, so labels may arrive before their studies), the import batches
 * they came from, and the drift alerts raised.
 */
export const monitorMigrations: readonly Migration[] = [
  {
    id: 'monitor-001-ground-truth',
    sql: `
      CREATE TABLE ground_truth_batch (
        id TEXT PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        key_kind TEXT NOT NULL,
        rows_read INTEGER NOT NULL,
        labels INTEGER NOT NULL,
        imported_by TEXT NOT NULL,
        imported_at BIGINT NOT NULL
      );
      CREATE TABLE ground_truth_label (
        key_kind TEXT NOT NULL,
        key_value TEXT NOT NULL,
        finding_key TEXT NOT NULL,
        value INTEGER NOT NULL,
        batch_id TEXT NOT NULL REFERENCES ground_truth_batch (id),
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (key_kind, key_value, finding_key)
      );
      CREATE TABLE drift_alert (
        id TEXT PRIMARY KEY,
        model_id TEXT NOT NULL,
        model_version TEXT NOT NULL,
        subject TEXT NOT NULL,
        statistic TEXT NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        threshold DOUBLE PRECISION NOT NULL,
        window_from BIGINT NOT NULL,
        window_to BIGINT NOT NULL,
        message TEXT NOT NULL,
        raised_at BIGINT NOT NULL
      );
      CREATE INDEX drift_alert_raised ON drift_alert (raised_at);
    `,
  },
];
