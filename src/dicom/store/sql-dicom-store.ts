import { randomUUID } from 'node:crypto';
import type { Db, SqlValue } from '../../store/db.ts';
import type { DicomIngestStore, IngestEventWrite, ReceivingStudy, SeriesRecord, StudyFilter, StudyRecord } from '../dicom-store.ts';
import type { QuarantineEntry } from '../../files/quarantine.ts';
import type { InstanceWrite } from './instance-write.ts';
import { recordInstance } from './record-instance.ts';
import {
  type InstanceRow,
  type SeriesRow,
  type StoredInstance,
  type StudyRow,
  STUDY_SELECT,
  toInstance,
  toSeries,
  toStudy,
} from './rows.ts';

const MAX_LIMIT = 1000;

/** The DICOM metadata store over the Db seam; the same SQL runs on SQLite and PostgreSQL. */
export class SqlDicomStore implements DicomIngestStore {
  constructor(private readonly db: Db) {}

  async getStudy(studyInstanceUid: string): Promise<StudyRecord | undefined> {
    return (await this.findStudies({ studyInstanceUid, limit: 1 }))[0];
  }

  async findStudies(f: StudyFilter): Promise<StudyRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (sql: (n: string) => string, v: SqlValue): void => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (f.studyInstanceUid !== undefined) add((n) => `st.study_uid = ${n}`, f.studyInstanceUid);
    if (f.patientId !== undefined) add((n) => `p.patient_id = ${n}`, f.patientId);
    if (f.accessionNumber !== undefined) add((n) => `st.accession_number = ${n}`, f.accessionNumber);
    if (f.studyDateFrom !== undefined) add((n) => `st.study_date >= ${n}`, f.studyDateFrom);
    if (f.studyDateTo !== undefined) add((n) => `st.study_date <= ${n}`, f.studyDateTo);
    if (f.modality !== undefined)
      add((n) => `EXISTS (SELECT 1 FROM dicom_series ms WHERE ms.study_uid = st.study_uid AND ms.modality = ${n})`, f.modality);
    const limit = Math.min(Math.max(1, f.limit ?? 100), MAX_LIMIT);
    const offset = Math.max(0, f.offset ?? 0);
    const rows = await this.db.query<StudyRow>(
      `${STUDY_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY st.last_received_at DESC, st.study_uid LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    if (rows.length === 0) return [];
    const uids = rows.map((r) => r.study_uid);
    const mods = await this.db.query<{ study_uid: string; modality: string }>(
      `SELECT DISTINCT study_uid, modality FROM dicom_series WHERE modality IS NOT NULL AND study_uid IN (${uids.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY modality`,
      uids,
    );
    return rows.map((r) =>
      toStudy(
        r,
        mods.filter((m) => m.study_uid === r.study_uid).map((m) => m.modality),
      ),
    );
  }

  async listSeries(studyInstanceUid: string): Promise<SeriesRecord[]> {
    const rows = await this.db.query<SeriesRow>(
      `SELECT se.*, (SELECT COUNT(*) FROM dicom_instance i WHERE i.series_uid = se.series_uid) AS n_instances
       FROM dicom_series se WHERE se.study_uid = $1 ORDER BY se.series_number, se.series_uid`,
      [studyInstanceUid],
    );
    return rows.map(toSeries);
  }

  async listInstances(studyInstanceUid: string, seriesInstanceUid?: string): Promise<StoredInstance[]> {
    const rows = await this.db.query<InstanceRow>(
      `SELECT * FROM dicom_instance WHERE study_uid = $1${seriesInstanceUid !== undefined ? ' AND series_uid = $2' : ''} ORDER BY series_uid, instance_number, sop_instance_uid`,
      seriesInstanceUid !== undefined ? [studyInstanceUid, seriesInstanceUid] : [studyInstanceUid],
    );
    return rows.map(toInstance);
  }

  async getInstance(sopInstanceUid: string): Promise<StoredInstance | undefined> {
    const rows = await this.db.query<InstanceRow>('SELECT * FROM dicom_instance WHERE sop_instance_uid = $1', [sopInstanceUid]);
    return rows[0] ? toInstance(rows[0]) : undefined;
  }

  /**
   * Records a stored instance and its ingest event in one transaction; false if it was already
   * there. With `commitAfter`, the statements run at once but the transaction commits only after
   * it resolves (the instance's bytes are durable), and rolls back if it rejects: the database
   * work overlaps the journal's fdatasync, yet nothing is committed before the bytes are safe.
   */
  async recordInstance(w: InstanceWrite, event: IngestEventWrite, commitAfter?: Promise<unknown>): Promise<boolean> {
    // Awaited inside the transaction; marked handled now so an early failure is not "unhandled".
    commitAfter?.catch(() => undefined);
    return this.db.transaction(async (tx) => {
      const added = await recordInstance(tx, w);
      await this.insertEvent(tx, added ? event : { ...event, outcome: 'duplicate' });
      if (commitAfter) await commitAfter;
      return added;
    });
  }

  /**
   * Makes every commit so far durable. SQLite runs WAL with synchronous=NORMAL, so commits reach
   * the disk at a checkpoint (which syncs the WAL first); PostgreSQL commits are durable already.
   */
  async makeDurable(): Promise<void> {
    if (this.db.dialect === 'sqlite') await this.db.query('PRAGMA wal_checkpoint(PASSIVE)');
  }

  async recordEvent(event: IngestEventWrite): Promise<void> {
    await this.insertEvent(this.db, event);
  }

  private async insertEvent(db: Db, e: IngestEventWrite): Promise<void> {
    await db.run(
      `INSERT INTO dicom_ingest_event (id, at, via, outcome, sop_instance_uid, study_uid, size_bytes, reason, source, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        randomUUID(),
        e.at,
        e.via,
        e.outcome,
        e.sopInstanceUid,
        e.studyInstanceUid,
        e.sizeBytes,
        e.reason,
        e.source,
        Math.round(e.durationMs),
      ],
    );
  }

  async recordQuarantine(q: QuarantineEntry, durationMs: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO dicom_quarantine (id, at, via, reason, message, file_path, size_bytes, sha256, source, sop_instance_uid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [q.id, q.at, q.via, q.reason, q.message, q.filePath, q.sizeBytes, q.sha256, q.source, q.sopInstanceUid],
      );
      await this.insertEvent(tx, {
        at: q.at,
        via: q.via,
        outcome: 'quarantined',
        sopInstanceUid: q.sopInstanceUid,
        studyInstanceUid: null,
        sizeBytes: q.sizeBytes,
        reason: q.reason,
        source: q.source,
        durationMs,
      });
    });
  }

  async listQuarantine(
    limit = 100,
  ): Promise<Array<Pick<QuarantineEntry, 'id' | 'at' | 'via' | 'reason' | 'message' | 'filePath' | 'sopInstanceUid'>>> {
    const rows = await this.db.query<{
      id: string;
      at: number;
      via: string;
      reason: string;
      message: string;
      file_path: string;
      sop_instance_uid: string | null;
    }>(
      `SELECT id, at, via, reason, message, file_path, sop_instance_uid FROM dicom_quarantine ORDER BY at DESC LIMIT ${Math.min(limit, MAX_LIMIT)}`,
    );
    return rows.map((r) => ({
      id: r.id,
      at: Number(r.at),
      via: r.via,
      reason: r.reason,
      message: r.message,
      filePath: r.file_path,
      sopInstanceUid: r.sop_instance_uid,
    }));
  }

  async receivingStudies(): Promise<ReceivingStudy[]> {
    const rows = await this.db.query<{ study_uid: string; last_received_at: number; completion_generation: number }>(
      `SELECT study_uid, last_received_at, completion_generation FROM dicom_study WHERE completeness = 'receiving'`,
    );
    return rows.map((r) => ({
      studyInstanceUid: r.study_uid,
      lastReceivedAt: Number(r.last_received_at),
      generation: Number(r.completion_generation),
    }));
  }

  /**
   * Marks a study complete if nothing arrived since `lastReceivedAt`; returns the new generation
   * and instance count, or undefined when a late instance won the race.
   */
  async markComplete(
    studyInstanceUid: string,
    lastReceivedAt: number,
    at: number,
  ): Promise<{ generation: number; instanceCount: number } | undefined> {
    return this.db.transaction(async (tx) => {
      const n = await tx.run(
        `UPDATE dicom_study SET completeness = 'complete', completed_at = $3, completion_generation = completion_generation + 1
         WHERE study_uid = $1 AND completeness = 'receiving' AND last_received_at = $2`,
        [studyInstanceUid, lastReceivedAt, at],
      );
      if (n === 0) return undefined;
      const [row] = await tx.query<{ g: number; c: number }>(
        `SELECT completion_generation AS g, (SELECT COUNT(*) FROM dicom_instance i WHERE i.study_uid = $1) AS c FROM dicom_study WHERE study_uid = $1`,
        [studyInstanceUid],
      );
      return { generation: Number(row?.g ?? 1), instanceCount: Number(row?.c ?? 0) };
    });
  }

  /** The folder import's memory: a file seen with this size and mtime is skipped. */
  async importSeen(path: string, sizeBytes: number, mtimeMs: number): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 AS x FROM dicom_import_file WHERE path = $1 AND size_bytes = $2 AND mtime_ms = $3', [
      path,
      sizeBytes,
      Math.floor(mtimeMs),
    ]);
    return rows.length > 0;
  }

  async recordImportSeen(path: string, sizeBytes: number, mtimeMs: number, outcome: string, at: number): Promise<void> {
    await this.db.run(
      `INSERT INTO dicom_import_file (path, size_bytes, mtime_ms, outcome, seen_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms, outcome = excluded.outcome, seen_at = excluded.seen_at`,
      [path, sizeBytes, Math.floor(mtimeMs), outcome, at],
    );
  }
}
