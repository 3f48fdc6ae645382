import type { UrgencyClass } from '../events/types.ts';
import { compareAtTime, type Orderable, protectedUpTo } from '../worklist/reading-order.ts';

/** One study in a replay: when it arrived, how long its read takes, and how it is ordered. */
export interface SimStudy extends Orderable {
  /** Class from the true labels (what the patient really has). */
  trueClass: UrgencyClass;
  /** Class the policy assigned (from order, location and model output). */
  assignedClass: UrgencyClass;
  readMs: number;
}

/** A radiologist's reading window in ms since the scenario start: new reads start only inside it. */
export interface ReaderShift {
  start: number;
  end: number;
}

export interface SimOutcome {
  study: SimStudy;
  startedAt: number;
  reader: number;
  waitMs: number;
}

/** Negative when `a` should be read before `b` at time `now`; `longestWaitMs` is the longest wait so far. */
export type QueueOrder = (a: SimStudy, b: SimStudy, now: number, longestWaitMs: number) => number;

export const fifoOrder = (a: SimStudy, b: SimStudy): number =>
  a.arrivedAt - b.arrivedAt || (a.studyInstanceUid < b.studyInstanceUid ? -1 : a.studyInstanceUid > b.studyInstanceUid ? 1 : 0);
/** The readfirst order (worklist/reading-order.ts) with the policy's starvation guard. */
export function policyOrder(guard: { floorMs: number; marginMs: number }): QueueOrder {
  return (a, b, now, longest) =>
    compareAtTime({ ...a, urgency: a.assignedClass }, { ...b, urgency: b.assignedClass }, now, {
      protectedUpTo: protectedUpTo(now, guard.floorMs, longest, guard.marginMs),
    });
}

/**
 * Discrete-event replay of a reading room: each reader, when free and on shift, opens the first
 * study of the waiting queue under `order`. Non-preemptive; deterministic for a given input.
 */
export function replay(studies: readonly SimStudy[], shifts: readonly ReaderShift[], order: QueueOrder): SimOutcome[] {
  const arrivals = [...studies].sort(fifoOrder);
  const freeAt = shifts.map((s) => s.start);
  const queue: SimStudy[] = [];
  const out: SimOutcome[] = [];
  let next = 0;
  // The longest wait so far: a replayed day starts with no history.
  let longest = 0;
  let now = arrivals[0]?.arrivedAt ?? 0;
  while (out.length < arrivals.length) {
    while (next < arrivals.length && (arrivals[next]?.arrivedAt ?? Infinity) <= now) queue.push(arrivals[next++] as SimStudy);
    let started = false;
    for (let r = 0; r < shifts.length && queue.length > 0; r++) {
      const shift = shifts[r] as ReaderShift;
      const free = freeAt[r] ?? 0;
      if (free > now || now < shift.start || now >= shift.end) continue;
      let best = 0;
      for (let i = 1; i < queue.length; i++) if (order(queue[i] as SimStudy, queue[best] as SimStudy, now, longest) < 0) best = i;
      const study = queue.splice(best, 1)[0] as SimStudy;
      out.push({ study, startedAt: now, reader: r, waitMs: now - study.arrivedAt });
      longest = Math.max(longest, now - study.arrivedAt);
      freeAt[r] = now + study.readMs;
      started = true;
    }
    if (started) continue;
    const candidates = [arrivals[next]?.arrivedAt ?? Infinity];
    for (let r = 0; r < shifts.length; r++) {
      const shift = shifts[r] as ReaderShift;
      const t = Math.max(freeAt[r] ?? 0, shift.start);
      if (t < shift.end && t > now) candidates.push(t);
    }
    const t = Math.min(...candidates);
    if (!Number.isFinite(t)) throw new Error(`${arrivals.length - out.length} studies can never be read: no reader shift left`);
    now = t;
  }
  return out;
}
