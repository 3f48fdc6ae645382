/**
 * Reading order. The score is the study's due time (arrival + its class's maximum wait) turned
 * round so that higher reads first: earliest-deadline-first. The score never changes as time
 * passes (no periodic rewrite of the index), yet every waiting study gains on newcomers minute by
 * minute; `compareAtTime` adds the tiers that depend on the time: protected, critical, overdue.
 */
const SCORE_ORIGIN = Date.UTC(2100, 0, 1);

/** Score in minutes before 2100-01-01 of the due time: higher reads first. */
export function scoreOfDueAt(dueAt: number): number {
  return (SCORE_ORIGIN - dueAt) / 60_000;
}

export function dueAtOfScore(score: number): number {
  return Math.round(SCORE_ORIGIN - score * 60_000);
}

export interface Orderable {
  score: number;
  arrivedAt: number;
  studyInstanceUid: string;
}

/** Deterministic total order: score descending, then arrival, then UID (the same as the store's ORDER BY). */
export function compareReadingOrder(a: Orderable, b: Orderable): number {
  return (
    b.score - a.score ||
    a.arrivedAt - b.arrivedAt ||
    (a.studyInstanceUid < b.studyInstanceUid ? -1 : a.studyInstanceUid > b.studyInstanceUid ? 1 : 0)
  );
}

/** Which studies no newcomer may pass any more: those that arrived at or before `protectedUpTo`. */
export interface StarvationGuardState {
  protectedUpTo: number;
}

/**
 * Epoch ms up to which arrivals are protected: a study is protected once its wait reaches the
 * longest wait already seen in the window (never less than the lowest class's maximum wait),
 * less a margin of about one or two reads. Protecting it there means no reordering ever makes
 * the worst wait worse than the worst the department has already had.
 */
export function protectedUpTo(now: number, floorMs: number, longestRecentWaitMs: number, marginMs: number): number {
  return now - Math.max(0, Math.max(floorMs, longestRecentWaitMs) - marginMs);
}

export type Tier = 'protected' | 'critical' | 'overdue' | 'ranked';

/** What the tiers read besides the rank: the class, and whether the study still waits to be read (default: yes). */
export type TierInput = Orderable & { urgency: string; open?: boolean };

/**
 * The study's tier at time `now`; tiers read in this order. A study already read waits for no
 * one: it only ever sits in the last tier (as the store's SQL, worklist/reading-order-sql.ts).
 */
export function tierOf(s: TierInput, now: number, guard: StarvationGuardState): Tier {
  if (s.open === false) return 'ranked';
  if (s.arrivedAt <= guard.protectedUpTo) return 'protected';
  if (s.urgency === 'critical') return 'critical';
  return dueAtOfScore(s.score) <= now ? 'overdue' : 'ranked';
}

export const TIER_ORDER: readonly Tier[] = ['protected', 'critical', 'overdue', 'ranked'];

const byArrival = (a: Orderable, b: Orderable): number =>
  a.arrivedAt - b.arrivedAt || (a.studyInstanceUid < b.studyInstanceUid ? -1 : a.studyInstanceUid > b.studyInstanceUid ? 1 : 0);

/**
 * The reading order at time `now`, in four tiers:
 * 1. protected (waited as long as the worst recent wait, less a margin): oldest first;
 * 2. critical: earliest due first;
 * 3. overdue (past their class's maximum wait): oldest first;
 * 4. the rest: earliest due first.
 */
export function compareAtTime(a: TierInput, b: TierInput, now: number, guard: StarvationGuardState): number {
  const ta = TIER_ORDER.indexOf(tierOf(a, now, guard));
  const tb = TIER_ORDER.indexOf(tierOf(b, now, guard));
  if (ta !== tb) return ta - tb;
  const tier = TIER_ORDER[ta];
  return tier === 'protected' || tier === 'overdue' ? byArrival(a, b) : compareReadingOrder(a, b);
}
