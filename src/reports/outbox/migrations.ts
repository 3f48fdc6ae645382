import type { Migration } from '../../store/migrate.ts';

function objectTable(binary: 'BLOB' | 'BYTEA'): string {
  return `
CREATE TABLE outbox_object (
  id TEXT PRIMARY KEY,
  study_instance_uid TEXT NOT NULL,
  kind TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sop_class_uid TEXT,
  series_instance_uid TEXT,
  description TEXT NOT NULL,
  version INTEGER NOT NULL,
  body ${binary} NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_object_study ON outbox_object (study_instance_uid);
CREATE TABLE outbox_delivery (
  object_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  object_version INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  last_error TEXT,
  last_attempt_at BIGINT,
  delivered_at BIGINT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (object_id, destination)
);
CREATE INDEX outbox_delivery_due ON outbox_delivery (destination, state, next_attempt_at);`;
}

/**
 * The write-back outbox: each object readfirst sends (DICOM outputs, the study's urgency) once,
 * and one delivery row per object and destination, so each is delivered exactly once and its
 * retries survive a restart.
 */
export const outboxMigrations: readonly Migration[] = [
  { id: 'reports-001-outbox', sql: { sqlite: objectTable('BLOB'), postgres: objectTable('BYTEA') } },
];
