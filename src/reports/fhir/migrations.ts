import type { Migration } from '../../store/migrate.ts';

/**
 * FHIR resources readfirst generated: served at /fhir, pushed to a configured server.
 */
export const fhirMigrations: readonly Migration[] = [
  {
    id: 'fhir-001-resources',
    sql: `
CREATE TABLE fhir_resource (
  resource_type TEXT NOT NULL,
  id TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  patient_id TEXT,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX fhir_resource_study ON fhir_resource (study_uid);
CREATE INDEX fhir_resource_patient ON fhir_resource (patient_id);
`,
  },
];
