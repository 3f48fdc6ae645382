import { type Db, queryOne } from '../store/db.ts';
import type { HeatmapSource } from './explain/heatmap.ts';
import type { InferenceResult, InferenceResultStore } from './result.ts';

export type HeatmapKind = 'grey' | 'colour';

export interface StoredHeatmap {
  id: string;
  resultId: string;
  findingKey: string;
  kind: HeatmapKind;
  rows: number;
  columns: number;
  /** Empty until rendered (see `source`). */
  png: Buffer;
  source: HeatmapSource | null;
}

/**
 * Inference results over the Db seam (SQLite or PostgreSQL): the whole result as JSON, with the
 * columns queries need beside it. Heat-map PNGs are rows of their own, referenced by id.
 */
export class SqlInferenceResultStore implements InferenceResultStore {
  constructor(private readonly db: Db) {}

  async save(r: InferenceResult): Promise<void> {
    await this.db.run(
      `INSERT INTO inference_result (id, study_instance_uid, series_instance_uid, sop_instance_uid, model_id, model_version, status, created_at, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body`,
      [
        r.id,
        r.studyInstanceUid,
        r.seriesInstanceUid,
        r.sopInstanceUid,
        r.model?.modelId ?? null,
        r.model?.modelVersion ?? null,
        r.status,
        r.createdAt,
        JSON.stringify(r),
      ],
    );
  }

  async get(id: string): Promise<InferenceResult | undefined> {
    const row = await queryOne<{ body: string }>(this.db, 'SELECT body FROM inference_result WHERE id = $1', [id]);
    return row ? (JSON.parse(row.body) as InferenceResult) : undefined;
  }

  async listForStudy(studyInstanceUid: string): Promise<InferenceResult[]> {
    const rows = await this.db.query<{ body: string }>(
      'SELECT body FROM inference_result WHERE study_instance_uid = $1 ORDER BY created_at, id',
      [studyInstanceUid],
    );
    return rows.map((r) => JSON.parse(r.body) as InferenceResult);
  }

  async saveHeatmap(h: StoredHeatmap): Promise<void> {
    await this.db.run(
      'INSERT INTO inference_heatmap (id, result_id, finding_key, kind, pixel_rows, pixel_columns, png, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [h.id, h.resultId, h.findingKey, h.kind, h.rows, h.columns, h.png, h.source ? JSON.stringify(h.source) : null],
    );
  }

  async setHeatmapPng(id: string, png: Buffer): Promise<void> {
    await this.db.run('UPDATE inference_heatmap SET png = $1 WHERE id = $2', [png, id]);
  }

  async getHeatmap(id: string): Promise<StoredHeatmap | undefined> {
    const row = await queryOne<{
      id: string;
      result_id: string;
      finding_key: string;
      kind: HeatmapKind;
      pixel_rows: number;
      pixel_columns: number;
      png: Buffer | Uint8Array;
      source: string | null;
    }>(this.db, 'SELECT id, result_id, finding_key, kind, pixel_rows, pixel_columns, png, source FROM inference_heatmap WHERE id = $1', [
      id,
    ]);
    if (!row) return undefined;
    return {
      id: row.id,
      resultId: row.result_id,
      findingKey: row.finding_key,
      kind: row.kind,
      rows: Number(row.pixel_rows),
      columns: Number(row.pixel_columns),
      png: Buffer.from(row.png),
      source: row.source ? (JSON.parse(row.source) as HeatmapSource) : null,
    };
  }
}
