import { randomUUID } from 'node:crypto';
import { ReadfirstError } from '../core/errors.ts';
import { vocabularyEntry } from '../findings/vocabulary.ts';
import type { Db, SqlValue } from '../store/db.ts';
import { splitCsvLine } from './labels-csv.ts';

/**
 * Ground truth for monitoring: labels imported for retrospective audits (`readfirst labels
 * import`) and the radiologists' signed verdicts from the viewer. Every metric names which source
 * each label came from, and counts them.
 */
export type TruthSource = 'import' | 'verdict';
export type KeyKind = 'study-uid' | 'accession';

export interface TruthLabel {
  value: 0 | 1;
  source: TruthSource;
}

/** Finding key → label, for one study. Absent: unknown (never read as negative). */
export type StudyTruth = Map<string, TruthLabel>;

export interface ParsedLabels {
  keyKind: KeyKind;
  findings: string[];
  rows: { key: string; labels: Record<string, 0 | 1 | null> }[];
}

const KEY_COLUMNS: Record<string, KeyKind> = {
  study_instance_uid: 'study-uid',
  study_uid: 'study-uid',
  accession_number: 'accession',
  accession: 'accession',
};
/** Columns of ../shared/data's labels.csv that are not findings. */
const NON_FINDING = new Set(['file', 'sex', 'age', 'view', 'source', 'patient_id', ...Object.keys(KEY_COLUMNS)]);

/**
 * Reads a labels CSV keyed by `study_uid` (or `study_instance_uid`) or `accession_number`, with
 * finding columns as in ../shared/data's labels.csv: 1 present, 0 absent, empty unknown.
 */
export function parseGroundTruthCsv(text: string, name: string): ParsedLabels {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const keyCols = header.map((h, i) => [h, i] as const).filter(([h]) => KEY_COLUMNS[h]);
  if (keyCols.length !== 1)
    throw new ReadfirstError(
      'invalid-input',
      `${name}: needs exactly one key column (study_uid or accession_number), found ${keyCols.length}`,
    );
  const [keyName, keyIndex] = keyCols[0] as readonly [string, number];
  const findingCols = header.map((h, i) => [h, i] as const).filter(([h]) => !NON_FINDING.has(h));
  // A misspelt column would otherwise import labels no metric ever reads.
  for (const [h] of findingCols)
    if (!vocabularyEntry(h))
      throw new ReadfirstError('invalid-input', `${name}: column "${h}" is not a finding of the vocabulary (src/findings/vocabulary.ts)`);
  if (findingCols.length === 0) throw new ReadfirstError('invalid-input', `${name}: no finding columns`);
  const seen = new Set<string>();
  const rows = lines.slice(1).map((line, n) => {
    const cells = splitCsvLine(line);
    const key = (cells[keyIndex] ?? '').trim();
    if (!key) throw new ReadfirstError('invalid-input', `${name} line ${n + 2}: empty ${keyName}`);
    if (seen.has(key)) throw new ReadfirstError('invalid-input', `${name} line ${n + 2}: ${keyName} ${key} appears twice`);
    seen.add(key);
    const labels: Record<string, 0 | 1 | null> = {};
    for (const [f, i] of findingCols) {
      const v = (cells[i] ?? '').trim();
      if (v !== '' && v !== '0' && v !== '1')
        throw new ReadfirstError('invalid-input', `${name} line ${n + 2}: ${f} is "${v}", not 1, 0 or empty`);
      labels[f] = v === '' ? null : v === '1' ? 1 : 0;
    }
    return { key, labels };
  });
  return { keyKind: KEY_COLUMNS[keyName] as KeyKind, findings: findingCols.map(([h]) => h), rows };
}

const CHUNK = 400;
const placeholders = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');

async function chunked<T>(items: readonly string[], fn: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(...(await fn(items.slice(i, i + CHUNK))));
  return out;
}

/** Imported labels and verdict-derived labels over the Db seam (SQLite or PostgreSQL). */
export class GroundTruthStore {
  constructor(private readonly db: Db) {}

  /** Stores one import; a later import of the same study and finding replaces the earlier label. */
  async importBatch(
    parsed: ParsedLabels,
    meta: { fileName: string; sha256: string; importedBy: string; now: number },
  ): Promise<{ batchId: string; labels: number }> {
    const batchId = randomUUID();
    let labels = 0;
    await this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO ground_truth_batch (id, file_name, sha256, key_kind, rows_read, labels, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)',
        [batchId, meta.fileName, meta.sha256, parsed.keyKind, parsed.rows.length, meta.importedBy, meta.now],
      );
      for (const row of parsed.rows)
        for (const [finding, value] of Object.entries(row.labels)) {
          if (value === null) continue;
          await tx.run(
            `INSERT INTO ground_truth_label (key_kind, key_value, finding_key, value, batch_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (key_kind, key_value, finding_key) DO UPDATE SET value = excluded.value, batch_id = excluded.batch_id, recorded_at = excluded.recorded_at`,
            [parsed.keyKind, row.key, finding, value, batchId, meta.now],
          );
          labels++;
        }
      await tx.run('UPDATE ground_truth_batch SET labels = $1 WHERE id = $2', [labels, batchId]);
    });
    return { batchId, labels };
  }

  /** How many imported keys match a stored study (by UID or accession number). */
  async matchedKeys(parsed: ParsedLabels): Promise<number> {
    const col = parsed.keyKind === 'study-uid' ? 'study_uid' : 'accession_number';
    const rows = await chunked(
      parsed.rows.map((r) => r.key),
      (part) =>
        this.db.query<{ k: string }>(`SELECT DISTINCT ${col} AS k FROM dicom_study WHERE ${col} IN (${placeholders(part.length)})`, part),
    );
    return rows.length;
  }

  /**
   * Ground truth of the given studies. Imported labels (by study UID, else by accession number)
   * and the latest signed reading's verdicts: agree keeps the AI's call, disagree flips it,
   * uncertain is unknown, a finding the reader added as missed is present. `prefer` decides
   * when both sources label the same finding.
   */
  async truthFor(studyUids: readonly string[], prefer: TruthSource = 'import'): Promise<Map<string, StudyTruth>> {
    const out = new Map<string, StudyTruth>();
    const put = (uid: string, finding: string, label: TruthLabel): void => {
      let t = out.get(uid);
      if (!t) out.set(uid, (t = new Map<string, TruthLabel>()));
      const had = t.get(finding);
      if (!had || (had.source !== label.source && label.source === prefer)) t.set(finding, label);
    };
    const imported = await chunked(studyUids, (part) =>
      this.db.query<{ study_uid: string; finding_key: string; value: number | string }>(
        `SELECT s.study_uid, g.finding_key, g.value FROM dicom_study s
         JOIN ground_truth_label g ON (g.key_kind = 'study-uid' AND g.key_value = s.study_uid) OR (g.key_kind = 'accession' AND g.key_value = s.accession_number)
         WHERE s.study_uid IN (${placeholders(part.length)})`,
        part as SqlValue[],
      ),
    );
    // A label keyed by UID and one keyed by accession for the same study: the UID wins (more specific).
    const byUid = await chunked(studyUids, (part) =>
      this.db.query<{ key_value: string; finding_key: string; value: number | string }>(
        `SELECT key_value, finding_key, value FROM ground_truth_label WHERE key_kind = 'study-uid' AND key_value IN (${placeholders(part.length)})`,
        part as SqlValue[],
      ),
    );
    for (const r of imported) put(r.study_uid, r.finding_key, { value: Number(r.value) === 1 ? 1 : 0, source: 'import' });
    for (const r of byUid) out.get(r.key_value)?.set(r.finding_key, { value: Number(r.value) === 1 ? 1 : 0, source: 'import' });

    const readings = await chunked(studyUids, (part) =>
      this.db.query<{ id: string; study_uid: string; missed_findings: string; signed_at: number | string }>(
        `SELECT id, study_uid, missed_findings, signed_at FROM readings WHERE status = 'signed' AND study_uid IN (${placeholders(part.length)}) ORDER BY signed_at, id`,
        part as SqlValue[],
      ),
    );
    const latest = new Map<string, { id: string; missed: string[] }>();
    for (const r of readings) latest.set(r.study_uid, { id: r.id, missed: JSON.parse(r.missed_findings) as string[] });
    const verdicts = await chunked(
      [...latest.values()].map((r) => r.id),
      (part) =>
        this.db.query<{ study_uid: string; finding_key: string; verdict: string; ai_positive: number | string }>(
          `SELECT study_uid, finding_key, verdict, ai_positive FROM finding_verdicts WHERE reading_id IN (${placeholders(part.length)})`,
          part as SqlValue[],
        ),
    );
    for (const v of verdicts) {
      const ai = Number(v.ai_positive) === 1;
      if (v.verdict === 'agree') put(v.study_uid, v.finding_key, { value: ai ? 1 : 0, source: 'verdict' });
      else if (v.verdict === 'disagree') put(v.study_uid, v.finding_key, { value: ai ? 0 : 1, source: 'verdict' });
    }
    for (const [uid, r] of latest) for (const f of r.missed) put(uid, f, { value: 1, source: 'verdict' });
    return out;
  }
}
