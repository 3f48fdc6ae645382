import type { UrgencyClass } from '../events/types.ts';
import { URGENCY_CLASSES } from '../events/types.ts';
import type { UrgencyPolicy } from '../triage/policy-schema.ts';
import { rankStudy } from '../triage/rank.ts';
import type { FindingEvidence } from '../worklist/worklist-store.ts';
import { fifoOrder, policyOrder, replay, type ReaderShift, type SimOutcome, type SimStudy } from './engine.ts';
import type { ModelPerformance } from './model-performance.ts';
import { guardFloorMs } from '../triage/policy.ts';
import { Prng } from './prng.ts';
import { type Scenario, type ScenarioStudy, trueClassOf } from './scenario.ts';
import { waitStats, type WaitStats } from './stats.ts';

export type Arm = 'fifo' | 'readfirst';

export interface ClassRow {
  urgency: UrgencyClass | 'all';
  fifo: WaitStats;
  readfirst: WaitStats;
}

export interface SimulationReport {
  scenario: Scenario;
  performance: ModelPerformance;
  rows: ClassRow[];
  /** readfirst / FIFO mean wait of the truly critical studies. */
  criticalMeanRatio: number;
  /** readfirst / FIFO longest wait of any study. */
  longestWaitRatio: number;
  /** Flagged-critical studies that were truly critical, and all truly critical ones. */
  flagged: { truePositives: number; critical: number; falsePositives: number };
  outcomes: Record<Arm, SimOutcome[]>;
}

/**
 * Model decisions for one study, drawn from the measured operating points: one uniform draw per
 * finding, so the points stay nested (positive at "balanced" implies positive at "high-sensitivity").
 */
export function drawFindings(s: ScenarioStudy, perf: ModelPerformance, rng: Prng): FindingEvidence[] {
  const out: FindingEvidence[] = [];
  for (const [key, f] of perf.findings) {
    const u = rng.next();
    const present = s.truth.includes(key);
    const score = s.scores?.[key];
    const decisions = f.points.map((p) => ({
      name: p.name,
      threshold: p.threshold,
      positive: score !== undefined ? score >= p.threshold : present ? u < p.sensitivity : u > p.specificity,
    }));
    const thresholds = f.points.map((p) => p.threshold).sort((a, b) => a - b);
    const positives = decisions.filter((d) => d.positive).length;
    const probability =
      score ??
      (positives === 0
        ? (thresholds[0] ?? 0.5) * 0.5
        : positives === decisions.length
          ? ((thresholds[thresholds.length - 1] ?? 0.5) + 1) / 2
          : ((thresholds[0] ?? 0) + (thresholds[thresholds.length - 1] ?? 1)) / 2);
    out.push({ key, display: f.display, probability, decisions });
  }
  return out;
}

export function readerShifts(scenario: Scenario): ReaderShift[] {
  return scenario.shifts.flatMap((s) => Array.from({ length: s.readers }, () => ({ start: s.from * 3600_000, end: s.to * 3600_000 })));
}

/** Replays the scenario under first-in-first-out and under the readfirst policy, on identical studies and read times. */
export function simulate(scenario: Scenario, perf: ModelPerformance, policy: UrgencyPolicy, seed = 7): SimulationReport {
  const rng = new Prng(seed);
  const classOf = (key: string): UrgencyClass | undefined => policy.findings.find((r) => r.finding === key)?.urgency;
  const studies: SimStudy[] = scenario.studies.map((s) => {
    const ranking = rankStudy(policy, {
      arrivedAt: s.arrivedAt,
      orderPriority: s.orderPriority,
      patientLocation: s.patientLocation,
      aiStatus: 'analysed',
      findings: drawFindings(s, perf, rng),
    });
    return {
      studyInstanceUid: s.id,
      arrivedAt: s.arrivedAt,
      score: ranking.score,
      readMs: s.readMs,
      trueClass: trueClassOf(s.truth, classOf),
      assignedClass: ranking.urgency,
    };
  });
  const shifts = readerShifts(scenario);
  const outcomes: Record<Arm, SimOutcome[]> = {
    fifo: replay(studies, shifts, fifoOrder),
    readfirst: replay(
      studies,
      shifts,
      policyOrder({ floorMs: guardFloorMs(policy), marginMs: policy.starvationGuard.marginMinutes * 60_000 }),
    ),
  };
  const waits = (arm: Arm, cls: UrgencyClass | 'all'): number[] =>
    outcomes[arm].filter((o) => cls === 'all' || o.study.trueClass === cls).map((o) => o.waitMs);
  const rows: ClassRow[] = [...URGENCY_CLASSES, 'all' as const].map((c) => ({
    urgency: c,
    fifo: waitStats(waits('fifo', c)),
    readfirst: waitStats(waits('readfirst', c)),
  }));
  const row = (c: UrgencyClass | 'all'): ClassRow => rows.find((r) => r.urgency === c) as ClassRow;
  const flaggedCritical = studies.filter((s) => s.assignedClass === 'critical');
  return {
    scenario,
    performance: perf,
    rows,
    criticalMeanRatio: row('critical').readfirst.mean / row('critical').fifo.mean,
    longestWaitRatio: row('all').readfirst.max / row('all').fifo.max,
    flagged: {
      truePositives: flaggedCritical.filter((s) => s.trueClass === 'critical').length,
      critical: studies.filter((s) => s.trueClass === 'critical').length,
      falsePositives: flaggedCritical.filter((s) => s.trueClass !== 'critical').length,
    },
    outcomes,
  };
}

/**
 * The trade-off behind the policy's one big knob: the maximum wait of the two lowest classes
 * (past it a study is overdue and nothing newer may pass it). Short: the longest wait stays at
 * FIFO's but the critical gain shrinks; long: the reverse.
 */
export function sweepTable(
  scenario: Scenario,
  perf: ModelPerformance,
  policy: UrgencyPolicy,
  minutes: readonly number[] = [30, 45, 60, 75, 90, 120, 180, 240, 360],
): string {
  const lines = ['| routine / likely-normal max wait (min) | critical mean wait ×FIFO | longest wait ×FIFO |', '|---|---|---|'];
  for (const m of minutes) {
    const clamp = (v: number): number => Math.min(v, m);
    const p: UrgencyPolicy = {
      ...policy,
      classes: {
        critical: { maxWaitMinutes: clamp(policy.classes.critical.maxWaitMinutes) },
        urgent: { maxWaitMinutes: clamp(policy.classes.urgent.maxWaitMinutes) },
        routine: { maxWaitMinutes: m },
        'likely-normal': { maxWaitMinutes: m },
      },
    };
    const r = simulate(scenario, perf, p);
    lines.push(`| ${m} | ${r.criticalMeanRatio.toFixed(3)} | ${r.longestWaitRatio.toFixed(3)} |`);
  }
  return lines.join('\n');
}
