import { compareAtTime, type TierInput } from '../../../src/worklist/reading-order.ts';
import type { WorklistItem } from './worklist-api.ts';

/**
 * The server's reading order on the client. Tiers depend on the time (protected, critical,
 * overdue, then by score: src/worklist/reading-order.ts), so the order is `compareAtTime` itself, run at the
 * server's time with the server's protection line, as the last page reported them.
 */
export interface ServerTime {
  /** The server's clock when it listed the page (`WorklistPage.at`). */
  at: number;
  /** Arrivals at or before this were protected at `at` (`WorklistPage.protectedUpTo`). */
  protectedUpTo: number;
  /** The local clock when the page arrived: the server's time later is `at` plus what has passed here. */
  receivedAt: number;
}

/** Before the first page: nothing is protected, the local clock stands for the server's. */
export function localTime(now: number): ServerTime {
  return { at: now, protectedUpTo: Number.MIN_SAFE_INTEGER, receivedAt: now };
}

/** The tier inputs at local time `localNow`, as the server would see them then. */
export function tierClock(t: ServerTime, localNow: number): { now: number; guard: { protectedUpTo: number } } {
  const passed = localNow - t.receivedAt;
  // The protection line is "now less the longest recent wait", and that wait only moves when a
  // read starts (the next page or event brings it): meanwhile the line moves with the clock.
  const line = t.protectedUpTo <= Number.MIN_SAFE_INTEGER ? t.protectedUpTo : t.protectedUpTo + passed;
  return { now: t.at + passed, guard: { protectedUpTo: line } };
}

const OPEN_STATES: ReadonlySet<WorklistItem['state']> = new Set(['unread', 'in-progress']);

function tierInput(i: WorklistItem): TierInput {
  return {
    score: i.score,
    arrivedAt: i.arrivedAt,
    studyInstanceUid: i.studyInstanceUid,
    urgency: i.urgency,
    open: OPEN_STATES.has(i.state),
  };
}

/** The comparator of the server's reading order at local time `localNow`. */
export function readingOrderAt(t: ServerTime, localNow: number): (a: WorklistItem, b: WorklistItem) => number {
  const { now, guard } = tierClock(t, localNow);
  return (a, b) => compareAtTime(tierInput(a), tierInput(b), now, guard);
}

/** The list in reading order at `localNow`; the same array when it already is (no re-render). */
export function sortAt(list: WorklistItem[], t: ServerTime, localNow: number): WorklistItem[] {
  const cmp = readingOrderAt(t, localNow);
  for (let k = 1; k < list.length; k++) {
    if (cmp(list[k - 1] as WorklistItem, list[k] as WorklistItem) > 0) return [...list].sort(cmp);
  }
  return list;
}
