import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import { type Db, queryOne } from '../store/db.ts';

/** A patient awaiting follow-up for a finding that calls for it (nodule, mass) rather than an urgent read. */
export interface FollowUp {
  id: string;
  studyInstanceUid: string;
  finding: string;
  display: string;
  probability: number;
  explanation: string;
  patientId: string | null;
  patientName: string | null;
  accessionNumber: string | null;
  dueAt: number;
  status: 'open' | 'closed';
  overdue: boolean;
  createdAt: number;
  closedAt: number | null;
  closedBy: string | null;
  note: string | null;
}

export type NewFollowUp = Pick<
  FollowUp,
  'studyInstanceUid' | 'finding' | 'display' | 'probability' | 'explanation' | 'patientId' | 'patientName' | 'accessionNumber'
> & { dueDays: number };

interface FollowUpRow {
  [k: string]: unknown;
  id: string;
  study_instance_uid: string;
  finding: string;
  display: string;
  probability: number;
  explanation: string;
  patient_id: string | null;
  patient_name: string | null;
  accession_number: string | null;
  due_at: number | string;
  status: string;
  created_at: number | string;
  closed_at: number | string | null;
  closed_by: string | null;
  note: string | null;
}

const DAY = 24 * 3600_000;

/** The follow-up registry: one entry per study and finding, listed by due date. */
export class FollowUpRegistry {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private toFollowUp(r: FollowUpRow): FollowUp {
    const dueAt = Number(r.due_at);
    const status = r.status === 'closed' ? 'closed' : 'open';
    return {
      id: r.id,
      studyInstanceUid: r.study_instance_uid,
      finding: r.finding,
      display: r.display,
      probability: Number(r.probability),
      explanation: r.explanation,
      patientId: r.patient_id,
      patientName: r.patient_name,
      accessionNumber: r.accession_number,
      dueAt,
      status,
      overdue: status === 'open' && this.clock.now() > dueAt,
      createdAt: Number(r.created_at),
      closedAt: r.closed_at === null ? null : Number(r.closed_at),
      closedBy: r.closed_by,
      note: r.note,
    };
  }

  /** Records a follow-up; a repeat for the same study and finding keeps the first (and its due date). */
  async add(f: NewFollowUp): Promise<FollowUp> {
    const now = this.clock.now();
    await this.db.run(
      `INSERT INTO followups (id, study_instance_uid, finding, display, probability, explanation, patient_id, patient_name, accession_number, due_at, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11) ON CONFLICT (study_instance_uid, finding) DO NOTHING`,
      [
        randomUUID(),
        f.studyInstanceUid,
        f.finding,
        f.display,
        f.probability,
        f.explanation,
        f.patientId,
        f.patientName,
        f.accessionNumber,
        now + f.dueDays * DAY,
        now,
      ],
    );
    const row = await queryOne<FollowUpRow>(this.db, 'SELECT * FROM followups WHERE study_instance_uid = $1 AND finding = $2', [
      f.studyInstanceUid,
      f.finding,
    ]);
    if (!row) throw new ReadfirstError('internal', 'follow-up insert lost its row');
    return this.toFollowUp(row);
  }

  async list(opts: { status?: 'open' | 'closed' | 'all'; dueBefore?: number; limit?: number } = {}): Promise<FollowUp[]> {
    const status = opts.status ?? 'open';
    const rows = await this.db.query<FollowUpRow>(
      `SELECT * FROM followups WHERE ($1 = 'all' OR status = $1) AND due_at <= $2 ORDER BY due_at ASC, id ASC LIMIT $3`,
      [status, opts.dueBefore ?? Number.MAX_SAFE_INTEGER, Math.min(1000, opts.limit ?? 200)],
    );
    return rows.map((r) => this.toFollowUp(r));
  }

  async close(id: string, user: string, note: string | null): Promise<FollowUp> {
    await this.db.run(
      `UPDATE followups SET status = 'closed', closed_at = $1, closed_by = $2, note = $3 WHERE id = $4 AND status = 'open'`,
      [this.clock.now(), user, note, id],
    );
    const row = await queryOne<FollowUpRow>(this.db, 'SELECT * FROM followups WHERE id = $1', [id]);
    if (!row) throw new ReadfirstError('not-found', `follow-up ${id} not found`);
    return this.toFollowUp(row);
  }
}
