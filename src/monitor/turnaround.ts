import type { Db } from '../store/db.ts';

/**
 * Turnaround analytics, the evidence that prioritisation works here: arrival → start of the read
 * and arrival → signed report per urgency class, flagged (the AI put the study at critical or
 * urgent) against unflagged, reading time (open → sign) and critical-alert acknowledgement
 * times, each before and after a date (e.g. the day readfirst went live).
 */
export interface TurnaroundRow {
  studyUid: string;
  urgency: string;
  aiUrgency: string | null;
  arrivedAt: number;
  readStartedAt: number | null;
  signedAt: number | null;
  readingMs: number | null;
  alertRaisedAt: number | null;
  alertAckAt: number | null;
}

export interface DurationStats {
  n: number;
  meanMin: number | null;
  medianMin: number | null;
  p90Min: number | null;
  maxMin: number | null;
}

export interface TurnaroundGroup {
  period: 'all' | 'before' | 'after';
  /** Urgency class, "flagged", "unflagged" or "all". */
  group: string;
  studies: number;
  toReadStart: DurationStats;
  toSigned: DurationStats;
  readingTime: DurationStats;
  alertAck: DurationStats;
}

export function durationStats(ms: readonly number[]): DurationStats {
  if (ms.length === 0) return { n: 0, meanMin: null, medianMin: null, p90Min: null, maxMin: null };
  const s = [...ms].sort((a, b) => a - b).map((v) => v / 60_000);
  const q = (p: number): number => {
    const i = p * (s.length - 1);
    const lo = Math.floor(i);
    return (s[lo] as number) + ((s[Math.ceil(i)] as number) - (s[lo] as number)) * (i - lo);
  };
  return {
    n: s.length,
    meanMin: s.reduce((a, b) => a + b, 0) / s.length,
    medianMin: q(0.5),
    p90Min: q(0.9),
    maxMin: s[s.length - 1] as number,
  };
}

const FLAGGED = new Set(['critical', 'urgent']);
const CLASSES = ['critical', 'urgent', 'routine', 'likely-normal'];

function groupStats(period: TurnaroundGroup['period'], group: string, rows: readonly TurnaroundRow[]): TurnaroundGroup {
  const d = (pick: (r: TurnaroundRow) => number | null): number[] =>
    rows.flatMap((r) => {
      const v = pick(r);
      return v === null || v < 0 ? [] : [v];
    });
  return {
    period,
    group,
    studies: rows.length,
    toReadStart: durationStats(d((r) => (r.readStartedAt === null ? null : r.readStartedAt - r.arrivedAt))),
    toSigned: durationStats(d((r) => (r.signedAt === null ? null : r.signedAt - r.arrivedAt))),
    readingTime: durationStats(d((r) => r.readingMs)),
    alertAck: durationStats(d((r) => (r.alertRaisedAt === null || r.alertAckAt === null ? null : r.alertAckAt - r.alertRaisedAt))),
  };
}

/** Groups per period (all, and before/after `splitAt` when given) × (all, each class, flagged, unflagged). */
export function turnaround(rows: readonly TurnaroundRow[], splitAt?: number): TurnaroundGroup[] {
  const periods: [TurnaroundGroup['period'], TurnaroundRow[]][] = [['all', [...rows]]];
  if (splitAt !== undefined)
    periods.push(['before', rows.filter((r) => r.arrivedAt < splitAt)], ['after', rows.filter((r) => r.arrivedAt >= splitAt)]);
  const out: TurnaroundGroup[] = [];
  for (const [period, rs] of periods) {
    out.push(groupStats(period, 'all', rs));
    for (const c of CLASSES)
      out.push(
        groupStats(
          period,
          c,
          rs.filter((r) => r.urgency === c),
        ),
      );
    out.push(
      groupStats(
        period,
        'flagged',
        rs.filter((r) => r.aiUrgency !== null && FLAGGED.has(r.aiUrgency)),
      ),
    );
    out.push(
      groupStats(
        period,
        'unflagged',
        rs.filter((r) => r.aiUrgency === null || !FLAGGED.has(r.aiUrgency)),
      ),
    );
  }
  return out;
}

/** Worklist items that arrived in [from, to), with their first signed reading and alert. */
export async function loadTurnaroundRows(db: Db, from: number, to: number): Promise<TurnaroundRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT w.study_instance_uid, w.urgency, w.ai_urgency, w.arrived_at, w.read_started_at,
            (SELECT MIN(r.signed_at) FROM readings r WHERE r.study_uid = w.study_instance_uid AND r.status = 'signed') AS signed_at,
            (SELECT MIN(r.reading_ms) FROM readings r WHERE r.study_uid = w.study_instance_uid AND r.status = 'signed') AS reading_ms,
            a.raised_at, a.acknowledged_at
     FROM worklist_items w LEFT JOIN alerts a ON a.study_instance_uid = w.study_instance_uid
     WHERE w.arrived_at >= $1 AND w.arrived_at < $2`,
    [from, to],
  );
  const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    studyUid: String(r.study_instance_uid),
    urgency: String(r.urgency),
    aiUrgency: typeof r.ai_urgency === 'string' ? r.ai_urgency : null,
    arrivedAt: Number(r.arrived_at),
    readStartedAt: n(r.read_started_at),
    signedAt: n(r.signed_at),
    readingMs: n(r.reading_ms),
    alertRaisedAt: n(r.raised_at),
    alertAckAt: n(r.acknowledged_at),
  }));
}
