import type { Migration } from '../store/migrate.ts';

/**
 * Schema of the follow-up registry.
 * Ids keep their historical `triage-` prefix: they are recorded in existing databases.
 */
export const followUpMigrations: readonly Migration[] = [
  {
    id: 'triage-003-followups',
    sql: `
      CREATE TABLE followups (
        id TEXT PRIMARY KEY,
        study_instance_uid TEXT NOT NULL,
        finding TEXT NOT NULL,
        display TEXT NOT NULL,
        probability DOUBLE PRECISION NOT NULL,
        explanation TEXT NOT NULL,
        patient_id TEXT,
        patient_name TEXT,
        accession_number TEXT,
        due_at BIGINT NOT NULL,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        closed_at BIGINT,
        closed_by TEXT,
        note TEXT,
        UNIQUE (study_instance_uid, finding)
      );
      CREATE INDEX followups_due ON followups (status, due_at);
    `,
  },
];
