import type { JsonDataset } from '../dicom/dicomweb/dicom-json.ts';
import type { Db, SqlValue } from '../store/db.ts';
import type { UpsPriorityCode, UpsState, Workitem } from './workitem.ts';

interface Row {
  [k: string]: unknown;
  uid: string;
  state: string;
  priority: string;
  study_uid: string | null;
  transaction_uid: string | null;
  dataset: string;
  created_at: number;
  updated_at: number;
}

const toWorkitem = (r: Row): Workitem => ({
  uid: r.uid,
  state: r.state as UpsState,
  priority: r.priority as UpsPriorityCode,
  studyInstanceUid: r.study_uid,
  transactionUid: r.transaction_uid,
  dataset: JSON.parse(r.dataset) as JsonDataset,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export interface WorkitemSearch {
  state?: UpsState;
  priority?: UpsPriorityCode;
  studyInstanceUid?: string;
  limit: number;
  offset: number;
}

/** UPS workitems over the Db seam. */
export class UpsStore {
  constructor(private readonly db: Db) {}

  async get(uid: string): Promise<Workitem | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM ups_workitem WHERE uid = $1', [uid]);
    return rows[0] ? toWorkitem(rows[0]) : undefined;
  }

  /** Inserts a new workitem; false when the UID exists already. */
  async insert(w: Workitem): Promise<boolean> {
    const n = await this.db.run(
      `INSERT INTO ups_workitem (uid, state, priority, study_uid, transaction_uid, dataset, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uid) DO NOTHING`,
      [w.uid, w.state, w.priority, w.studyInstanceUid, w.transactionUid, JSON.stringify(w.dataset), w.createdAt, w.updatedAt],
    );
    return n > 0;
  }

  /** Saves a changed workitem only if its state is still `expected` (no lost update between two claims). */
  async save(w: Workitem, expected: UpsState): Promise<boolean> {
    const n = await this.db.run(
      `UPDATE ups_workitem SET state = $2, priority = $3, transaction_uid = $4, dataset = $5, updated_at = $6 WHERE uid = $1 AND state = $7`,
      [w.uid, w.state, w.priority, w.transactionUid, JSON.stringify(w.dataset), w.updatedAt, expected],
    );
    return n > 0;
  }

  async search(s: WorkitemSearch): Promise<Workitem[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (col: string, v: string | undefined): void => {
      if (v === undefined) return;
      params.push(v);
      where.push(`${col} = $${params.length}`);
    };
    add('state', s.state);
    add('priority', s.priority);
    add('study_uid', s.studyInstanceUid);
    // HIGH before MEDIUM before LOW, then oldest first: the order a performer should take them in.
    const rows = await this.db.query<Row>(
      `SELECT * FROM ups_workitem ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY CASE priority WHEN 'HIGH' THEN 0 WHEN 'MEDIUM' THEN 1 ELSE 2 END, created_at, uid LIMIT ${Math.floor(s.limit)} OFFSET ${Math.floor(s.offset)}`,
      params,
    );
    return rows.map(toWorkitem);
  }

  async forStudy(studyInstanceUid: string): Promise<Workitem | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM ups_workitem WHERE study_uid = $1 ORDER BY created_at LIMIT 1', [
      studyInstanceUid,
    ]);
    return rows[0] ? toWorkitem(rows[0]) : undefined;
  }
}
