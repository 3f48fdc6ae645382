import type { Migration } from '../store/migrate.ts';

/**
 * Schema of the reading domain: one row per radiologist reading of a study (draft, then signed),
 * and one row per finding verdict, stamped with the model that produced the finding, so
 * monitoring can compute agreement per model version.
 */
export const readingMigrations: readonly Migration[] = [
  {
    id: 'reading-001-readings-verdicts',
    sql: `
      CREATE TABLE readings (
        id TEXT PRIMARY KEY,
        study_uid TEXT NOT NULL,
        reader_id TEXT NOT NULL,
        reader_name TEXT NOT NULL,
        result_id TEXT,
        model_id TEXT,
        model_version TEXT,
        status TEXT NOT NULL,
        overall TEXT,
        missed_findings TEXT NOT NULL,
        report TEXT NOT NULL,
        report_edited INTEGER NOT NULL DEFAULT 0,
        opened_at BIGINT NOT NULL,
        signed_at BIGINT,
        reading_ms BIGINT,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX readings_study ON readings (study_uid, reader_id, status);
      CREATE INDEX readings_signed ON readings (signed_at);
      CREATE TABLE finding_verdicts (
        reading_id TEXT NOT NULL REFERENCES readings(id) ON DELETE CASCADE,
        finding_key TEXT NOT NULL,
        study_uid TEXT NOT NULL,
        result_id TEXT,
        model_id TEXT,
        model_version TEXT,
        probability DOUBLE PRECISION,
        ai_positive INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        comment TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (reading_id, finding_key)
      );
      CREATE INDEX finding_verdicts_model ON finding_verdicts (model_id, model_version, finding_key);
    `,
  },
  {
    // A signature over an unverified AI-positive finding, and an image the viewer could not show,
    // are both recorded (JSON), never silent.
    id: 'reading-002-override-image-problem',
    sql: `
      ALTER TABLE readings ADD COLUMN sign_override TEXT;
      ALTER TABLE readings ADD COLUMN image_problem TEXT;
    `,
  },
  {
    // Addenda to signed reports, and the critical-result communication log (ACR Practice
    // Parameter for Communication of Diagnostic Imaging Findings: who was told, when, how,
    // and who acknowledged receipt).
    id: 'reading-003-addenda-communications',
    sql: `
      CREATE TABLE reading_addenda (
        id TEXT PRIMARY KEY,
        reading_id TEXT NOT NULL REFERENCES readings(id),
        study_uid TEXT NOT NULL,
        reader_id TEXT NOT NULL,
        reader_name TEXT NOT NULL,
        text TEXT NOT NULL,
        signed_at BIGINT NOT NULL
      );
      CREATE INDEX reading_addenda_study ON reading_addenda (study_uid, signed_at);
      CREATE TABLE critical_communications (
        id TEXT PRIMARY KEY,
        study_uid TEXT NOT NULL,
        finding TEXT NOT NULL,
        recipient TEXT NOT NULL,
        recipient_role TEXT NOT NULL,
        method TEXT NOT NULL,
        communicated_at BIGINT NOT NULL,
        acknowledged_by TEXT,
        recorded_by TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        note TEXT NOT NULL
      );
      CREATE INDEX critical_communications_study ON critical_communications (study_uid, communicated_at);
    `,
  },
];
