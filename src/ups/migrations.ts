import type { Migration } from '../store/migrate.ts';

/** UPS workitems (PS3.4 CC): state, priority and the dataset as DICOM JSON. */
export const upsMigrations: readonly Migration[] = [
  {
    id: 'ups-001-workitem',
    sql: `
CREATE TABLE ups_workitem (
  uid TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  priority TEXT NOT NULL,
  study_uid TEXT,
  transaction_uid TEXT,
  dataset TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX ups_workitem_state ON ups_workitem (state, priority);
CREATE INDEX ups_workitem_study ON ups_workitem (study_uid);
`,
  },
];
