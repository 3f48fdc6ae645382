import { ReadfirstError } from '../core/errors.ts';
import type { SqlValue } from '../store/db.ts';
import { type Tier, TIER_ORDER } from './reading-order.ts';

/**
 * The four reading-order tiers of worklist/reading-order.ts as SQL. Each tier is one index range:
 * protected and overdue walk (is_open, arrived_at), critical walks (urgency, is_open, score),
 * the rest (is_open, score). Read studies (is_open = 0) only ever appear in the last tier.
 */
export const SCORE_ORDER = 'ORDER BY score DESC, arrived_at ASC, study_instance_uid ASC';
export const ARRIVAL_ORDER = 'ORDER BY arrived_at ASC, study_instance_uid ASC';

export interface TierBounds {
  /** Arrivals at or before this are protected. */
  cut: number;
  /** Score of a study due now: at or above it, overdue. */
  dueNow: number;
}

export interface Cursor {
  tier: Tier;
  score: number;
  arrivedAt: number;
  uid: string;
}

export function byArrival(tier: Tier): boolean {
  return tier === 'protected' || tier === 'overdue';
}

/** The tier's WHERE condition; `p` binds a parameter and returns its placeholder. */
export function tierCondition(tier: Tier, b: TierBounds, p: (v: SqlValue) => string): string {
  switch (tier) {
    case 'protected':
      return `is_open = 1 AND arrived_at <= ${p(b.cut)}`;
    case 'critical':
      return `is_open = 1 AND arrived_at > ${p(b.cut)} AND urgency = 'critical'`;
    case 'overdue':
      return `is_open = 1 AND arrived_at > ${p(b.cut)} AND urgency <> 'critical' AND score >= ${p(b.dueNow)}`;
    case 'ranked':
      return `(is_open = 0 OR (arrived_at > ${p(b.cut)} AND urgency <> 'critical' AND score < ${p(b.dueNow)}))`;
  }
}

/** Rows strictly after the cursor within its tier. */
export function afterCursor(c: Cursor, p: (v: SqlValue) => string): string {
  const a = p(c.arrivedAt);
  const u = p(c.uid);
  const sameArrival = `(arrived_at > ${a} OR (arrived_at = ${a} AND study_instance_uid > ${u}))`;
  if (byArrival(c.tier)) return sameArrival;
  const s = p(c.score);
  return `(score < ${s} OR (score = ${s} AND ${sameArrival}))`;
}

/** Rows strictly before the given one within its tier (for positions). */
export function beforeRow(tier: Tier, r: { score: number; arrivedAt: number; uid: string }, p: (v: SqlValue) => string): string {
  const a = p(r.arrivedAt);
  const u = p(r.uid);
  const sameArrival = `(arrived_at < ${a} OR (arrived_at = ${a} AND study_instance_uid < ${u}))`;
  if (byArrival(tier)) return sameArrival;
  const s = p(r.score);
  return `(score > ${s} OR (score = ${s} AND ${sameArrival}))`;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.tier, c.score, c.arrivedAt, c.uid])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    const [tier, score, arrivedAt, uid] = Array.isArray(v) ? (v as unknown[]) : [];
    const t = TIER_ORDER.find((x) => x === tier);
    if (t && typeof score === 'number' && typeof arrivedAt === 'number' && typeof uid === 'string')
      return { tier: t, score, arrivedAt, uid };
  } catch {
    /* fall through */
  }
  throw new ReadfirstError('invalid-input', 'invalid worklist cursor');
}

/** A parameter binder: push a value, get its `$n`. */
export function binder(): { params: SqlValue[]; p: (v: SqlValue) => string } {
  const params: SqlValue[] = [];
  return { params, p: (v) => (params.push(v), `$${params.length}`) };
}
