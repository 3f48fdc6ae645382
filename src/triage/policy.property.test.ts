import { describe, expect, it } from 'vitest';
import type { UrgencyClass } from '../events/types.ts';
import { Prng } from '../simulate/prng.ts';
import { policyOrder, replay, type SimStudy } from '../simulate/engine.ts';
import { compareAtTime, compareReadingOrder, dueAtOfScore, protectedUpTo, scoreOfDueAt } from '../worklist/reading-order.ts';
import { defaultPolicy, guardFloorMs, parsePolicy } from './policy.ts';
import { URGENCY_CLASSES } from '../events/types.ts';
import { URGENCY_RANK } from './policy-schema.ts';
import { rankStudy, type AiStatus, type TriageInput } from './rank.ts';

const policy = defaultPolicy();
const KEYS = ['pneumothorax', 'effusion', 'consolidation', 'cardiomegaly', 'nodule', 'mass', 'edema'];
const ORDER = [null, 'STAT', 'HIGH', 'ROUTINE', 'MEDIUM', 'LOW', 'stat ', 'bogus'];
const LOCATIONS = [null, 'ED', 'ICU 2', 'Ward 7', 'OPD clinic', 'unknown place'];
const STATUSES: AiStatus[] = ['analysed', 'analysed', 'analysed', 'pending', 'not-analysable', 'no-model', 'failed'];

function randomInput(rng: Prng, arrivedAt: number): TriageInput {
  return {
    arrivedAt,
    orderPriority: rng.pick(ORDER),
    patientLocation: rng.pick(LOCATIONS),
    aiStatus: rng.pick(STATUSES),
    findings: KEYS.filter(() => rng.bool(0.6)).map((key) => {
      const p = rng.next();
      const hs = rng.next() * 0.5;
      const bal = hs + rng.next() * 0.5;
      return {
        key,
        display: key,
        probability: p,
        decisions: [
          { name: 'high-sensitivity', threshold: hs, positive: p >= hs },
          { name: 'balanced', threshold: bal, positive: p >= bal },
        ],
      };
    }),
  };
}

describe('urgency policy properties (seeded)', () => {
  it('never ranks a study below its order priority or location floor', () => {
    const rng = new Prng(1);
    for (let i = 0; i < 5000; i++) {
      const input = randomInput(rng, i * 1000);
      const r = rankStudy(policy, input);
      const op = input.orderPriority?.trim().toUpperCase();
      const orderClass = op ? policy.orderPriority[op] : undefined;
      if (orderClass) expect(URGENCY_RANK[r.urgency]).toBeGreaterThanOrEqual(URGENCY_RANK[orderClass]);
      if (r.floor) expect(URGENCY_RANK[r.urgency]).toBeGreaterThanOrEqual(URGENCY_RANK[r.floor]);
      if (input.aiStatus !== 'analysed') expect(r.urgency).toBe(r.floor ?? policy.defaultUrgency);
    }
  });

  it('orders ties deterministically, whatever the input order', () => {
    const rng = new Prng(2);
    const items = Array.from({ length: 300 }, (_, i) => ({ score: rng.int(0, 5), arrivedAt: rng.int(0, 5), studyInstanceUid: `1.2.${i}` }));
    const sorted = [...items].sort(compareReadingOrder).map((x) => x.studyInstanceUid);
    for (let k = 0; k < 10; k++) {
      const shuffled = [...items].sort(() => rng.next() - 0.5);
      expect(shuffled.sort(compareReadingOrder).map((x) => x.studyInstanceUid)).toEqual(sorted);
    }
  });

  it('reads protected, then critical, then overdue (oldest first), then the rest', () => {
    const due = (uid: string, arrivedAt: number, minutes: number, urgency: string) => ({
      studyInstanceUid: uid,
      urgency,
      arrivedAt,
      score: scoreOfDueAt(arrivedAt + minutes * 60_000),
    });
    const now = 100 * 60_000;
    const items = [
      due('fresh-routine', now - 10 * 60_000, 60, 'routine'),
      due('new-critical', now - 60_000, 15, 'critical'),
      due('overdue-routine', 35 * 60_000, 60, 'routine'),
      due('overdue-urgent', 30 * 60_000, 45, 'urgent'),
      due('overdue-critical', 50 * 60_000, 15, 'critical'),
      due('protected-routine', 20 * 60_000, 60, 'routine'),
    ];
    const guard = { protectedUpTo: 25 * 60_000 };
    expect([...items].sort((a, b) => compareAtTime(a, b, now, guard)).map((i) => i.studyInstanceUid)).toEqual([
      'protected-routine',
      'overdue-critical',
      'new-critical',
      'overdue-urgent',
      'overdue-routine',
      'fresh-routine',
    ]);
  });

  it('protects a study once it has waited the longest recent wait less the margin, never below the floor', () => {
    const now = 1000 * 60_000;
    expect(protectedUpTo(now, 60 * 60_000, 0, 10 * 60_000)).toBe(now - 50 * 60_000);
    expect(protectedUpTo(now, 60 * 60_000, 200 * 60_000, 10 * 60_000)).toBe(now - 190 * 60_000);
  });

  it('lets an overdue routine study read before a newly arrived critical one', () => {
    const t = Date.UTC(2026, 0, 1);
    const old = rankStudy(policy, { arrivedAt: t, orderPriority: 'ROUTINE', patientLocation: null, aiStatus: 'no-model', findings: [] });
    const later = t + (policy.classes.routine.maxWaitMinutes - policy.classes.critical.maxWaitMinutes + 1) * 60_000;
    const critical = rankStudy(policy, {
      arrivedAt: later,
      orderPriority: 'STAT',
      patientLocation: null,
      aiStatus: 'no-model',
      findings: [],
    });
    expect(old.score).toBeGreaterThan(critical.score);
  });

  it('with enough reading capacity, no study waits past its class maximum plus one read time', () => {
    const policy = parsePolicy({
      classes: {
        critical: { maxWaitMinutes: 30 },
        urgent: { maxWaitMinutes: 120 },
        routine: { maxWaitMinutes: 360 },
        'likely-normal': { maxWaitMinutes: 360 },
      },
    });
    const rng = new Prng(3);
    let checked = 0;
    for (let run = 0; run < 60; run++) {
      const studies: SimStudy[] = [];
      const classes = new Map<string, UrgencyClass>();
      let t = 0;
      const maxRead = 10 * 60_000;
      for (let i = 0; i < 150; i++) {
        // Bursts: one busy hour can pile up work, but the long-run load stays under capacity.
        t += rng.bool(0.2) ? 0 : rng.exponential(9 * 60_000);
        const r = rankStudy(policy, randomInput(rng, Math.round(t)));
        const uid = `1.2.${run}.${i}`;
        classes.set(uid, r.urgency);
        studies.push({
          studyInstanceUid: uid,
          arrivedAt: Math.round(t),
          score: r.score,
          trueClass: r.urgency,
          assignedClass: r.urgency,
          readMs: rng.int(60_000, maxRead),
        });
      }
      if (!feasible(studies)) continue;
      checked++;
      for (const o of replay(
        studies,
        [{ start: 0, end: Infinity }],
        policyOrder({ floorMs: guardFloorMs(policy), marginMs: 10 * 60_000 }),
      )) {
        const cls = classes.get(o.study.studyInstanceUid) ?? 'critical';
        expect(o.waitMs).toBeLessThanOrEqual(policy.classes[cls].maxWaitMinutes * 60_000 + maxRead);
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('keeps its class list in urgency order', () => {
    expect(URGENCY_CLASSES.map((c) => URGENCY_RANK[c])).toEqual([3, 2, 1, 0]);
  });
});

/** "Enough capacity": one reader can meet every due time (processor demand never exceeds the time available). */
function feasible(studies: readonly SimStudy[]): boolean {
  const due = (s: SimStudy): number => dueAtOfScore(s.score);
  for (const a of studies) {
    for (const b of studies) {
      const end = due(b);
      if (end <= a.arrivedAt) continue;
      const work = studies.filter((s) => s.arrivedAt >= a.arrivedAt && due(s) <= end).reduce((n, s) => n + s.readMs, 0);
      if (work > end - a.arrivedAt) return false;
    }
  }
  return true;
}
