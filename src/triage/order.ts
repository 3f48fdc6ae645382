/**
 * Reading order. The score is the study's due time (arrival + its class's maximum wait) turned
 * round so that higher reads first: earliest-deadline-first. The score never changes as time
 * passes (no periodic rewrite of the index), yet every waiting study gains on newcomers minute by
 * minute; and past its due time it joins the overdue tier, read oldest first (`compareAtTime`).
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
  return b.score - a.score || a.arrivedAt - b.arrivedAt || (a.studyInstanceUid < b.studyInstanceUid ? -1 : a.studyInstanceUid > b.studyInstanceUid ? 1 : 0);
}

/**
 * The reading order at time `now`. Studies past their due time form an overdue tier, read first
 * and strictly oldest first: once a study has waited its class's maximum, nothing that arrived
 * after it may pass it any more. Below that tier, earliest due first.
 */
export function compareAtTime(a: Orderable, b: Orderable, now: number): number {
  const overdueA = dueAtOfScore(a.score) <= now;
  const overdueB = dueAtOfScore(b.score) <= now;
  if (overdueA !== overdueB) return overdueA ? -1 : 1;
  if (overdueA) return a.arrivedAt - b.arrivedAt || (a.studyInstanceUid < b.studyInstanceUid ? -1 : a.studyInstanceUid > b.studyInstanceUid ? 1 : 0);
  return compareReadingOrder(a, b);
}
