import type { Migration } from '../store/migrate.ts';

/** Orders from the RIS, keyed by accession number (one row per ordered procedure). */
export const orderMigrations: readonly Migration[] = [
  {
    id: 'orders-001-ris-order',
    sql: `
CREATE TABLE ris_order (
  accession_number TEXT PRIMARY KEY,
  patient_id TEXT,
  priority TEXT,
  patient_class TEXT,
  location TEXT,
  order_control TEXT,
  procedure_text TEXT,
  source TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX ris_order_patient ON ris_order (patient_id);
`,
  },
];
