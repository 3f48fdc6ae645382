import type { Migration } from '../../store/migrate.ts';

/**
 * The push queue of the FHIR and HL7 senders: one row per (channel, key) waiting to be sent, with
 * its attempts and next try, so retries survive a restart and a re-queued key is sent once more.
 */
export const pushMigrations: readonly Migration[] = [
  {
    id: 'push-001-queue',
    sql: `
CREATE TABLE report_push (
  channel TEXT NOT NULL,
  item_key TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at BIGINT NOT NULL,
  last_error TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (channel, item_key)
);
CREATE INDEX report_push_due ON report_push (channel, state, next_at);
`,
  },
];
