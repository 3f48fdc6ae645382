/**
 * Reading order. The score is the study's due time (arrival + its class's maximum wait) turned
 * round so that higher reads first: earliest-deadline-first. A study's score never changes as time
 * passes, yet every waiting study gains on newcomers minute by minute, and one past its maximum
 * wait reads before anything that arrives later (aging without rewriting the index).
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
