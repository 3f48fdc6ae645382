import type { Migration } from '../store/migrate.ts';

/**
 * Schema of the worklist: one row per study, ranked by an indexed score.
 * Ids keep their historical `triage-` prefix: they are recorded in existing databases.
 */
export const worklistMigrations: readonly Migration[] = [
  {
    id: 'triage-001-worklist',
    sql: `
      CREATE TABLE worklist_items (
        study_instance_uid TEXT PRIMARY KEY,
        urgency TEXT NOT NULL,
        ai_urgency TEXT,
        score DOUBLE PRECISION NOT NULL,
        due_at BIGINT NOT NULL,
        reason TEXT NOT NULL,
        explanation TEXT NOT NULL,
        ups_priority TEXT NOT NULL,
        order_priority TEXT,
        patient_location TEXT,
        ai_status TEXT NOT NULL,
        ai_status_reason TEXT,
        findings TEXT NOT NULL,
        model_id TEXT,
        model_version TEXT,
        state TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        claimed_by TEXT,
        claim_expires_at BIGINT,
        modality TEXT,
        site TEXT,
        patient_sex TEXT,
        patient_age TEXT,
        study_description TEXT,
        accession_number TEXT,
        patient_name TEXT,
        patient_id TEXT,
        arrived_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX worklist_open_order ON worklist_items (is_open, score DESC, arrived_at, study_instance_uid);
      CREATE INDEX worklist_state_order ON worklist_items (state, score DESC, arrived_at, study_instance_uid);
      CREATE INDEX worklist_urgency_order ON worklist_items (urgency, is_open, score DESC, arrived_at, study_instance_uid);
      CREATE INDEX worklist_modality_order ON worklist_items (modality, is_open, score DESC, arrived_at, study_instance_uid);
      CREATE INDEX worklist_site_order ON worklist_items (site, is_open, score DESC, arrived_at, study_instance_uid);
    `,
  },
  {
    // The overdue tier is read oldest first.
    id: 'triage-004-worklist-arrival-index',
    sql: 'CREATE INDEX worklist_open_arrival ON worklist_items (is_open, arrived_at, study_instance_uid)',
  },
  {
    // When a radiologist first opened the study: the waits behind the starvation guard.
    id: 'triage-005-worklist-read-started',
    sql: `
      ALTER TABLE worklist_items ADD COLUMN read_started_at BIGINT;
      CREATE INDEX worklist_read_started ON worklist_items (read_started_at);
    `,
  },
];
