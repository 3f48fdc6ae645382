import type { Migration } from '../store/migrate.ts';

/**
 * Schema of the dicom domain: patient → study → series → instance (the tags triage needs),
 * ingest events, quarantine, and files the folder import has seen. Counts are derived at read
 * time, so they never drift from the instance rows.
 */
export const dicomMigrations: readonly Migration[] = [
  {
    id: 'dicom-001-core',
    sql: `
CREATE TABLE dicom_patient (
  patient_key TEXT PRIMARY KEY,
  patient_id TEXT,
  issuer_of_patient_id TEXT,
  patient_name TEXT,
  patient_sex TEXT,
  patient_birth_date TEXT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX dicom_patient_id ON dicom_patient (patient_id);
CREATE TABLE dicom_study (
  study_uid TEXT PRIMARY KEY,
  patient_key TEXT NOT NULL REFERENCES dicom_patient (patient_key),
  patient_age TEXT,
  accession_number TEXT,
  study_date TEXT,
  study_time TEXT,
  study_description TEXT,
  referring_physician_name TEXT,
  institution_name TEXT,
  requested_procedure_priority TEXT,
  patient_location TEXT,
  first_received_at BIGINT NOT NULL,
  last_received_at BIGINT NOT NULL,
  completeness TEXT NOT NULL,
  completed_at BIGINT,
  completion_generation INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX dicom_study_patient ON dicom_study (patient_key);
CREATE INDEX dicom_study_accession ON dicom_study (accession_number);
CREATE INDEX dicom_study_date ON dicom_study (study_date);
CREATE INDEX dicom_study_completeness ON dicom_study (completeness, last_received_at);
CREATE TABLE dicom_series (
  series_uid TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL REFERENCES dicom_study (study_uid),
  modality TEXT,
  body_part_examined TEXT,
  view_position TEXT,
  series_number INTEGER,
  series_description TEXT,
  series_date TEXT,
  series_time TEXT,
  manufacturer TEXT,
  manufacturer_model_name TEXT,
  station_name TEXT,
  institution_name TEXT
);
CREATE INDEX dicom_series_study ON dicom_series (study_uid);
CREATE INDEX dicom_series_modality ON dicom_series (modality);
CREATE TABLE dicom_instance (
  sop_instance_uid TEXT PRIMARY KEY,
  sop_class_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL REFERENCES dicom_series (series_uid),
  study_uid TEXT NOT NULL REFERENCES dicom_study (study_uid),
  instance_number INTEGER,
  transfer_syntax_uid TEXT NOT NULL,
  file_path TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  pixel_rows INTEGER,
  pixel_columns INTEGER,
  number_of_frames INTEGER,
  image_type TEXT,
  received_at BIGINT NOT NULL,
  received_via TEXT NOT NULL
);
CREATE INDEX dicom_instance_series ON dicom_instance (series_uid);
CREATE INDEX dicom_instance_study ON dicom_instance (study_uid);
CREATE TABLE dicom_ingest_event (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  via TEXT NOT NULL,
  outcome TEXT NOT NULL,
  sop_instance_uid TEXT,
  study_uid TEXT,
  size_bytes BIGINT NOT NULL,
  reason TEXT,
  source TEXT,
  duration_ms INTEGER
);
CREATE INDEX dicom_ingest_event_at ON dicom_ingest_event (at);
CREATE TABLE dicom_quarantine (
  id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  via TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  file_path TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  source TEXT,
  sop_instance_uid TEXT
);
CREATE TABLE dicom_import_file (
  path TEXT PRIMARY KEY,
  size_bytes BIGINT NOT NULL,
  mtime_ms BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  seen_at BIGINT NOT NULL
);
`,
  },
];
