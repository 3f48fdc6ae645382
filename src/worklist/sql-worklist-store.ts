import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { UrgencyClass } from '../events/types.ts';
import { type Db, queryOne, type SqlValue } from '../store/db.ts';
import { protectedUpTo, scoreOfDueAt, type Tier, TIER_ORDER, tierOf } from './reading-order.ts';
import {
  afterCursor,
  ARRIVAL_ORDER,
  beforeRow,
  binder,
  byArrival,
  type Cursor,
  decodeCursor,
  encodeCursor,
  SCORE_ORDER,
  tierCondition,
  type TierBounds,
} from './reading-order-sql.ts';
import type { ReadingState } from './worklist-item.ts';
import { ENTRY_COLUMNS, entryParams, rowToEntry, rowToItem, type WorklistRow } from './worklist-row.ts';
import type {
  ClaimResult,
  RankFields,
  StarvationGuardConfig,
  WorklistEntry,
  WorklistPage,
  WorklistQuery,
  WorklistStore,
} from './worklist-store.ts';

const OPEN_STATES: readonly ReadingState[] = ['unread', 'in-progress'];
/** Positions are exact up to this; a study further down is reported at this position. */
export const POSITION_CAP = 1_000;

/** Reading-state moves a radiologist may make with `setState`. */
const ALLOWED: Record<ReadingState, readonly ReadingState[]> = {
  unread: ['in-progress', 'read'],
  'in-progress': ['unread', 'read'],
  read: ['addended'],
  addended: ['addended'],
};

/** The worklist over the Db seam (SQLite or PostgreSQL). */
export class SqlWorklistStore implements WorklistStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** The policy's starvation guard; without one, nothing is protected. */
    private readonly guard?: () => StarvationGuardConfig,
  ) {}

  /** Tier bounds now: the guard's protection line (from the longest recent wait) and "due now". */
  async bounds(now: number): Promise<TierBounds> {
    const g = this.guard?.();
    if (!g) return { cut: Number.MIN_SAFE_INTEGER, dueNow: scoreOfDueAt(now) };
    const row = await queryOne<{ w: number | string | null }>(
      this.db,
      'SELECT MAX(read_started_at - arrived_at) AS w FROM worklist_items WHERE read_started_at >= $1',
      [now - g.windowMs],
    );
    return { cut: protectedUpTo(now, g.floorMs, Number(row?.w ?? 0), g.marginMs), dueNow: scoreOfDueAt(now) };
  }

  async upsert(entry: WorklistEntry, now: number) {
    // Two round trips, no transaction: the statement itself is atomic; `previous` only feeds the
    // change notice (its class before), so a concurrent writer in between costs nothing.
    const prev = await queryOne<WorklistRow>(this.db, 'SELECT * FROM worklist_items WHERE study_instance_uid = $1', [
      entry.studyInstanceUid,
    ]);
    const cols = [...ENTRY_COLUMNS, 'state', 'is_open', 'updated_at'];
    const placeholders = cols.map((_, i) => `$${i + 1}`).join(', ');
    const updates = ENTRY_COLUMNS.filter((c) => c !== 'study_instance_uid' && c !== 'arrived_at').map((c) => `${c} = excluded.${c}`);
    const [row] = await this.db.query<WorklistRow>(
      `INSERT INTO worklist_items (${cols.join(', ')}) VALUES (${placeholders})
       ON CONFLICT (study_instance_uid) DO UPDATE SET ${updates.join(', ')}, updated_at = excluded.updated_at RETURNING *`,
      [...entryParams(entry), 'unread', 1, now],
    );
    if (!row) throw new ReadfirstError('internal', 'worklist upsert lost its row');
    return { previous: prev ? rowToItem(prev, now) : undefined, item: rowToItem(row, now) };
  }

  async get(uid: string) {
    const row = await queryOne<WorklistRow>(this.db, 'SELECT * FROM worklist_items WHERE study_instance_uid = $1', [uid]);
    return row ? rowToItem(row, this.clock.now()) : undefined;
  }

  async entry(uid: string) {
    const row = await queryOne<WorklistRow>(this.db, 'SELECT * FROM worklist_items WHERE study_instance_uid = $1', [uid]);
    return row ? rowToEntry(row) : undefined;
  }

  /** One page in reading order at the current time: the four tiers of worklist/reading-order.ts in turn. */
  async list(q: WorklistQuery): Promise<WorklistPage> {
    const limit = Math.min(500, Math.max(1, Math.trunc(q.limit ?? 50)));
    const now = this.clock.now();
    const b = await this.bounds(now);
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows: Array<{ row: WorklistRow; tier: Tier }> = [];
    for (const tier of TIER_ORDER.slice(cursor ? TIER_ORDER.indexOf(cursor.tier) : 0)) {
      if (rows.length > limit) break;
      const page = await this.page(q, limit + 1 - rows.length, tier, b, cursor?.tier === tier ? cursor : undefined);
      rows.push(...page.map((row) => ({ row, tier })));
    }
    const items = rows.slice(0, limit).map((r) => rowToItem(r.row, now));
    const last = rows[limit - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor({
            tier: last.tier,
            score: Number(last.row.score),
            arrivedAt: Number(last.row.arrived_at),
            uid: last.row.study_instance_uid,
          })
        : null;
    return { items, nextCursor, at: now, protectedUpTo: b.cut };
  }

  private async page(q: WorklistQuery, limit: number, tier: Tier, b: TierBounds, cursor: Cursor | undefined): Promise<WorklistRow[]> {
    const { params, p } = binder();
    const where: string[] = [];
    const states = q.states ?? 'open';
    if (states === 'open') where.push('is_open = 1');
    else if (states !== 'all') {
      if (states.length === 0) return [];
      where.push(`state IN (${states.map((s) => p(s)).join(', ')})`);
    }
    if (q.modality) where.push(`modality = ${p(q.modality)}`);
    if (q.site) where.push(`site = ${p(q.site)}`);
    if (q.urgency) where.push(`urgency = ${p(q.urgency)}`);
    where.push(tierCondition(tier, b, p));
    if (cursor) where.push(afterCursor(cursor, p));
    return this.db.query<WorklistRow>(
      `SELECT * FROM worklist_items WHERE ${where.join(' AND ')} ${byArrival(tier) ? ARRIVAL_ORDER : SCORE_ORDER} LIMIT ${limit}`,
      params,
    );
  }

  async position(uid: string) {
    const row = await queryOne<WorklistRow>(this.db, 'SELECT * FROM worklist_items WHERE study_instance_uid = $1 AND is_open = 1', [uid]);
    if (!row) return null;
    const now = this.clock.now();
    const b = await this.bounds(now);
    const me = { score: Number(row.score), arrivedAt: Number(row.arrived_at), uid, studyInstanceUid: uid, urgency: row.urgency };
    const mine = tierOf(me, now, { protectedUpTo: b.cut });
    // Counting is bounded: past POSITION_CAP studies ahead, the exact place no longer matters.
    let ahead = 0;
    for (const tier of TIER_ORDER.slice(0, TIER_ORDER.indexOf(mine) + 1)) {
      const { params, p } = binder();
      const cond = `is_open = 1 AND ${tierCondition(tier, b, p)}${tier === mine ? ` AND ${beforeRow(tier, me, p)}` : ''}`;
      const n = await queryOne<{ n: number | string }>(
        this.db,
        `SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM worklist_items WHERE ${cond} LIMIT ${POSITION_CAP}) AS t`,
        params,
      );
      ahead += Number(n?.n ?? 0);
      if (ahead + 1 >= POSITION_CAP) return POSITION_CAP;
    }
    return ahead + 1;
  }

  async countsByUrgency() {
    const rows = await this.db.query<{ urgency: string; n: number | string }>(
      'SELECT urgency, COUNT(*) AS n FROM worklist_items WHERE is_open = 1 GROUP BY urgency',
    );
    const counts: Record<UrgencyClass, number> = { critical: 0, urgent: 0, routine: 0, 'likely-normal': 0 };
    for (const r of rows) counts[r.urgency as UrgencyClass] = Number(r.n);
    return counts;
  }

  async claim(uid: string, user: string, expiresAt: number): Promise<ClaimResult> {
    const now = this.clock.now();
    const n = await this.db.run(
      `UPDATE worklist_items SET claimed_by = $1, claim_expires_at = $2, updated_at = $3, read_started_at = COALESCE(read_started_at, $3),
         state = CASE WHEN state = 'unread' THEN 'in-progress' ELSE state END
       WHERE study_instance_uid = $4 AND (claimed_by IS NULL OR claimed_by = $1 OR claim_expires_at <= $3)`,
      [user, expiresAt, now, uid],
    );
    return { ok: n === 1, item: await this.get(uid) };
  }

  async release(uid: string, user: string): Promise<ClaimResult> {
    const now = this.clock.now();
    const n = await this.db.run(
      `UPDATE worklist_items SET claimed_by = NULL, claim_expires_at = NULL, updated_at = $1,
         state = CASE WHEN state = 'in-progress' THEN 'unread' ELSE state END
       WHERE study_instance_uid = $2 AND (claimed_by = $3 OR claimed_by IS NULL OR claim_expires_at <= $1)`,
      [now, uid, user],
    );
    return { ok: n === 1, item: await this.get(uid) };
  }

  async setState(uid: string, user: string, state: ReadingState): Promise<ClaimResult> {
    const now = this.clock.now();
    const current = await this.get(uid);
    if (!current) return { ok: false, item: undefined };
    if (!ALLOWED[current.state].includes(state))
      throw new ReadfirstError('conflict', `cannot move a study from ${current.state} to ${state}`);
    if (current.claimedBy !== null && current.claimedBy !== user) return { ok: false, item: current };
    const open = OPEN_STATES.includes(state) ? 1 : 0;
    const keepClaim = state === 'in-progress';
    const n = await this.db.run(
      `UPDATE worklist_items SET state = $1, is_open = $2, updated_at = $3, read_started_at = COALESCE(read_started_at, $3),
         claimed_by = ${keepClaim ? '$4' : 'NULL'}, claim_expires_at = ${keepClaim ? 'claim_expires_at' : 'NULL'}
       WHERE study_instance_uid = $5 AND (claimed_by IS NULL OR claimed_by = $4 OR claim_expires_at <= $3)`,
      [state, open, now, user, uid],
    );
    return { ok: n === 1, item: await this.get(uid) };
  }

  async search(text: string, limit: number) {
    // LIKE with the wildcards escaped: a typed "%" or "_" matches itself.
    const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.db.query<WorklistRow>(
      `SELECT * FROM worklist_items WHERE LOWER(patient_name) LIKE $1 ESCAPE '\\' OR LOWER(patient_id) LIKE $1 ESCAPE '\\' OR LOWER(accession_number) LIKE $1 ESCAPE '\\'
       ORDER BY arrived_at DESC, study_instance_uid LIMIT ${Math.min(200, Math.max(1, Math.trunc(limit)))}`,
      [pattern],
    );
    const now = this.clock.now();
    return rows.map((r) => rowToItem(r, now));
  }

  async openEntries() {
    const rows = await this.db.query<WorklistRow>(`SELECT * FROM worklist_items WHERE is_open = 1 ${SCORE_ORDER}`);
    return rows.map(rowToEntry);
  }

  /**
   * Rewrites ranks in chunks of 500, each its own transaction, so a whole-list re-rank never holds
   * the write lock (on SQLite: the one connection) for long; each study's rank is itself atomic.
   */
  async updateRanks(ranks: ReadonlyArray<{ studyInstanceUid: string } & RankFields>, now: number) {
    let n = 0;
    for (let i = 0; i < ranks.length; i += 500) {
      const chunk = ranks.slice(i, i + 500);
      n += await this.db.transaction(async (tx) =>
        tx.dialect === 'sqlite' ? updateEach(tx, chunk, now) : updateFromValues(tx, chunk, now),
      );
    }
    return n;
  }
}

type RankRow = { studyInstanceUid: string } & RankFields;

/** SQLite plans UPDATE … FROM as a scan per statement; one keyed UPDATE per row is faster there. */
async function updateEach(tx: Db, rows: readonly RankRow[], now: number): Promise<number> {
  let n = 0;
  for (const r of rows) {
    n += await tx.run(
      `UPDATE worklist_items SET urgency = $1, ai_urgency = $2, score = $3, due_at = $4, reason = $5, explanation = $6, ups_priority = $7, updated_at = $8 WHERE study_instance_uid = $9`,
      [r.urgency, r.aiUrgency, r.score, r.dueAt, r.reason, JSON.stringify(r.explanation), r.upsPriority, now, r.studyInstanceUid],
    );
  }
  return n;
}

/** PostgreSQL: one UPDATE … FROM (VALUES …); VALUES columns are named column1… */
async function updateFromValues(tx: Db, rows: readonly RankRow[], now: number): Promise<number> {
  const params: SqlValue[] = [];
  const values = rows.map((r) => {
    const b = params.length;
    params.push(r.studyInstanceUid, r.urgency, r.aiUrgency, r.score, r.dueAt, r.reason, JSON.stringify(r.explanation), r.upsPriority);
    return `($${b + 1}, $${b + 2}, $${b + 3}, CAST($${b + 4} AS DOUBLE PRECISION), CAST($${b + 5} AS BIGINT), $${b + 6}, $${b + 7}, $${b + 8})`;
  });
  params.push(now);
  return tx.run(
    `UPDATE worklist_items SET urgency = v.column2, ai_urgency = v.column3, score = v.column4, due_at = v.column5, reason = v.column6,
       explanation = v.column7, ups_priority = v.column8, updated_at = $${params.length}
     FROM (VALUES ${values.join(', ')}) AS v WHERE worklist_items.study_instance_uid = v.column1`,
    params,
  );
}
