import type { Migration } from '../store/migrate.ts';

/** The heat-map table; only the binary column type differs between the dialects. */
function heatmapTable(binary: 'BLOB' | 'BYTEA'): string {
  return `
CREATE TABLE inference_heatmap (
  id TEXT PRIMARY KEY,
  result_id TEXT NOT NULL,
  finding_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  pixel_rows INTEGER NOT NULL,
  pixel_columns INTEGER NOT NULL,
  png ${binary} NOT NULL
);
CREATE INDEX inference_heatmap_result ON inference_heatmap (result_id);`;
}

/** Schema of the inference domain: one row per result (JSON body), heat-map PNGs beside it. */
export const inferenceMigrations: readonly Migration[] = [
  {
    id: 'inference-001-results',
    sql: `
CREATE TABLE inference_result (
  id TEXT PRIMARY KEY,
  study_instance_uid TEXT NOT NULL,
  series_instance_uid TEXT,
  sop_instance_uid TEXT,
  model_id TEXT,
  model_version TEXT,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX inference_result_study ON inference_result (study_instance_uid, created_at);`,
  },
  {
    id: 'inference-002-heatmaps',
    sql: { sqlite: heatmapTable('BLOB'), postgres: heatmapTable('BYTEA') },
  },
  {
    // Heat-maps are rendered on first request from the stored CAM (a few hundred numbers), so
    // analysis and study.analysed never wait on PNG encoding; an empty png means "not rendered yet".
    id: 'inference-003-heatmap-source',
    sql: 'ALTER TABLE inference_heatmap ADD COLUMN source TEXT',
  },
];
