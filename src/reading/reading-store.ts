import type { Db, SqlValue } from '../store/db.ts';
import type { FindingVerdict, ImageProblem, Reading, SignOverride, StructuredReport, Verdict } from './reading.ts';

interface ReadingRow extends Record<string, unknown> {
  id: string;
  study_uid: string;
  reader_id: string;
  reader_name: string;
  result_id: string | null;
  model_id: string | null;
  model_version: string | null;
  status: string;
  overall: string | null;
  missed_findings: string;
  report: string;
  report_edited: number;
  opened_at: number | string;
  signed_at: number | string | null;
  reading_ms: number | string | null;
  updated_at: number | string;
  sign_override: string | null;
  image_problem: string | null;
}

interface VerdictRow extends Record<string, unknown> {
  finding_key: string;
  verdict: string;
  comment: string;
  probability: number | null;
  ai_positive: number;
  recorded_at: number | string;
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toReading(row: ReadingRow, verdicts: VerdictRow[]): Reading {
  return {
    id: row.id,
    studyInstanceUid: row.study_uid,
    readerId: row.reader_id,
    readerName: row.reader_name,
    resultId: row.result_id,
    modelId: row.model_id,
    modelVersion: row.model_version,
    status: row.status === 'signed' ? 'signed' : 'draft',
    overall: row.overall as Verdict | null,
    missedFindings: JSON.parse(row.missed_findings) as string[],
    verdicts: verdicts.map((v) => ({
      findingKey: v.finding_key,
      verdict: v.verdict as Verdict,
      comment: v.comment,
      probability: v.probability === null ? null : Number(v.probability),
      aiPositive: Number(v.ai_positive) === 1,
      recordedAt: Number(v.recorded_at),
    })),
    report: JSON.parse(row.report) as StructuredReport,
    reportEdited: Number(row.report_edited) === 1,
    signOverride: row.sign_override ? (JSON.parse(row.sign_override) as SignOverride) : null,
    imageProblem: row.image_problem ? (JSON.parse(row.image_problem) as ImageProblem) : null,
    openedAt: Number(row.opened_at),
    signedAt: num(row.signed_at),
    readingMs: num(row.reading_ms),
    updatedAt: Number(row.updated_at),
  };
}

/** Readings and finding verdicts over the Db seam (SQLite or PostgreSQL). */
export class ReadingStore {
  constructor(private readonly db: Db) {}

  private async load(row: ReadingRow | undefined, db: Db = this.db): Promise<Reading | undefined> {
    if (!row) return undefined;
    const verdicts = await db.query<VerdictRow>('SELECT * FROM finding_verdicts WHERE reading_id = $1 ORDER BY finding_key', [row.id]);
    return toReading(row, verdicts);
  }

  /** This reader's latest reading of the study (a draft, or the signed one). */
  async latest(studyUid: string, readerId: string, db: Db = this.db): Promise<Reading | undefined> {
    const rows = await db.query<ReadingRow>(
      'SELECT * FROM readings WHERE study_uid = $1 AND reader_id = $2 ORDER BY opened_at DESC, id DESC LIMIT 1',
      [studyUid, readerId],
    );
    return this.load(rows[0], db);
  }

  /** Every signed reading of a study, oldest first. */
  async signedForStudy(studyUid: string): Promise<Reading[]> {
    const rows = await this.db.query<ReadingRow>("SELECT * FROM readings WHERE study_uid = $1 AND status = 'signed' ORDER BY signed_at", [
      studyUid,
    ]);
    const out: Reading[] = [];
    for (const row of rows) {
      const r = await this.load(row);
      if (r) out.push(r);
    }
    return out;
  }

  async insert(r: Reading, db: Db = this.db): Promise<void> {
    await db.run(
      `INSERT INTO readings (id, study_uid, reader_id, reader_name, result_id, model_id, model_version, status, overall,
         missed_findings, report, report_edited, opened_at, signed_at, reading_ms, updated_at, sign_override, image_problem)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [
        r.id,
        r.studyInstanceUid,
        r.readerId,
        r.readerName,
        r.resultId,
        r.modelId,
        r.modelVersion,
        r.status,
        r.overall,
        JSON.stringify(r.missedFindings),
        JSON.stringify(r.report),
        r.reportEdited ? 1 : 0,
        r.openedAt,
        r.signedAt,
        r.readingMs,
        r.updatedAt,
        json(r.signOverride),
        json(r.imageProblem),
      ],
    );
  }

  /** Saves the mutable fields of a draft; signed readings are never changed (0 rows). */
  async update(r: Reading, db: Db = this.db): Promise<number> {
    const params: SqlValue[] = [
      r.id,
      r.status,
      r.overall,
      JSON.stringify(r.missedFindings),
      JSON.stringify(r.report),
      r.reportEdited ? 1 : 0,
      r.signedAt,
      r.readingMs,
      r.updatedAt,
      json(r.signOverride),
      json(r.imageProblem),
    ];
    return db.run(
      `UPDATE readings SET status = $2, overall = $3, missed_findings = $4, report = $5, report_edited = $6, signed_at = $7,
         reading_ms = $8, updated_at = $9, sign_override = $10, image_problem = $11 WHERE id = $1 AND status = 'draft'`,
      params,
    );
  }

  async putVerdict(
    r: Pick<Reading, 'id' | 'studyInstanceUid' | 'resultId' | 'modelId' | 'modelVersion'>,
    v: FindingVerdict,
    db: Db = this.db,
  ): Promise<void> {
    await db.run(
      `INSERT INTO finding_verdicts (reading_id, finding_key, study_uid, result_id, model_id, model_version, probability, ai_positive, verdict, comment, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (reading_id, finding_key) DO UPDATE SET verdict = excluded.verdict, comment = excluded.comment, recorded_at = excluded.recorded_at`,
      [
        r.id,
        v.findingKey,
        r.studyInstanceUid,
        r.resultId,
        r.modelId,
        r.modelVersion,
        v.probability,
        v.aiPositive ? 1 : 0,
        v.verdict,
        v.comment,
        v.recordedAt,
      ],
    );
  }
}
