import type { Migration } from '../store/migrate.ts';

/**
 * Exactly-once effect of analysis jobs: at most one stored reading per (SOP instance, model,
 * version), and one "no AI model" result per instance. A failed reading is not counted (it is
 * retried), so it stays outside the index. A job retried after its worker was killed, or run
 * twice by a race, hits the index instead of adding a duplicate (analysis-worker.ts treats that
 * as done). Applied by the split roles only, so the single-process mode is unchanged.
 */
export const jobMigrations: readonly Migration[] = [
  {
    id: 'jobs-001-one-result-per-instance-model',
    sql: `
CREATE UNIQUE INDEX inference_result_one_per_model ON inference_result (sop_instance_uid, model_id, model_version)
  WHERE status <> 'failed' AND sop_instance_uid IS NOT NULL AND model_id IS NOT NULL;
CREATE UNIQUE INDEX inference_result_one_no_model ON inference_result (sop_instance_uid)
  WHERE status = 'no-model' AND sop_instance_uid IS NOT NULL AND model_id IS NULL;`,
  },
];
