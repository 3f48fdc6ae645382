import type { UrgencyClass } from '../events/types.ts';
import { Prng } from './prng.ts';

/** One study of a replay, before any policy looks at it. */
export interface ScenarioStudy {
  id: string;
  /** ms since the scenario start. */
  arrivedAt: number;
  orderPriority: string | null;
  patientLocation: string | null;
  /** Findings truly present (keys of ../shared/data/README.md). */
  truth: string[];
  /** Model probability per finding, when the input carries them (otherwise drawn from measured performance). */
  scores?: Record<string, number>;
  readMs: number;
}

export interface ReaderShiftSpec {
  /** Hours since the scenario start. */
  from: number;
  to: number;
  readers: number;
}

export interface Scenario {
  name: string;
  description: string;
  studies: ScenarioStudy[];
  shifts: ReaderShiftSpec[];
}

/** Findings of the built-in day, with prevalence among its adult chest X-rays. */
export const SCENARIO_FINDINGS = [
  { key: 'pneumothorax', display: 'Pneumothorax', prevalence: 0.025 },
  { key: 'effusion', display: 'Pleural effusion', prevalence: 0.12 },
  { key: 'consolidation', display: 'Consolidation', prevalence: 0.06 },
  { key: 'edema', display: 'Edema', prevalence: 0.04 },
  { key: 'cardiomegaly', display: 'Cardiomegaly', prevalence: 0.1 },
  { key: 'nodule', display: 'Nodule', prevalence: 0.03 },
  { key: 'mass', display: 'Mass', prevalence: 0.01 },
] as const;

/** Relative arrivals per hour of day: quiet night, morning ward rounds, ED peak in the afternoon. */
const HOURLY = [3, 2, 2, 2, 2, 3, 5, 9, 16, 20, 19, 17, 15, 16, 17, 16, 14, 12, 10, 9, 8, 6, 5, 4];

const H = 3600_000;

/**
 * The built-in, deterministic day: 450 adult chest X-rays from ED, ICU, wards and clinics over 24
 * hours, read by a day team of `radiologists` (08-18), two in the evening (18-23) and one at night.
 * Prevalence follows published inpatient CXR series (pneumothorax 2-3%, effusion about 12%).
 */
export function builtinScenario(opts: { seed?: number; studies?: number; radiologists?: number } = {}): Scenario {
  const rng = new Prng(opts.seed ?? 20260101);
  const n = opts.studies ?? 450;
  const total = HOURLY.reduce((a, b) => a + b, 0);
  const studies: ScenarioStudy[] = [];
  for (let i = 0; i < n; i++) {
    // Hour by the profile, minute uniform within it.
    let pick = rng.next() * total;
    let hour = 0;
    while (hour < 23 && pick >= (HOURLY[hour] ?? 0)) pick -= HOURLY[hour++] ?? 0;
    const arrivedAt = Math.round((hour + rng.next()) * H);
    const daytime = hour >= 8 && hour < 17;
    const loc = rng.next();
    const location = loc < 0.3 ? 'ED' : loc < 0.4 ? 'ICU' : loc < (daytime ? 0.7 : 0.95) ? 'Ward 7' : daytime ? 'OPD clinic' : 'Ward 7';
    const sick = location === 'ICU' ? 1.8 : location === 'OPD clinic' ? 0.4 : 1;
    const truth = SCENARIO_FINDINGS.filter((f) => rng.bool(Math.min(0.9, f.prevalence * sick))).map((f) => f.key);
    const stat = (location === 'ED' || location === 'ICU') && rng.bool(0.12);
    const orderPriority = stat ? 'STAT' : rng.bool(0.1) ? null : 'ROUTINE';
    // Abnormal films take longer to read and report.
    const readMs = Math.round(rng.logNormal(truth.length > 0 ? 4.5 : 3, 0.45) * 60_000);
    studies.push({ id: `sim-${String(i).padStart(4, '0')}`, arrivedAt, orderPriority, patientLocation: location, truth, readMs });
  }
  studies.sort((a, b) => a.arrivedAt - b.arrivedAt || (a.id < b.id ? -1 : 1));
  const day = opts.radiologists ?? 2;
  return {
    name: 'builtin',
    description: `one day, ${n} adult chest X-rays (ED, ICU, wards, clinics); ${day} radiologists 08-18, 2 in 18-23, 1 at night; seed ${opts.seed ?? 20260101}`,
    studies,
    shifts: [
      { from: 0, to: 8, readers: 1 },
      { from: 8, to: 18, readers: day },
      { from: 18, to: 23, readers: 2 },
      { from: 23, to: 48, readers: 1 },
    ],
  };
}

/**
 * An overloaded department (after Baltruschat et al. 2021, whose FIFO mean report wait was about
 * 80 minutes and worst about 15 hours): the built-in day's case mix, 390 studies, read by two
 * radiologists 08-18 and one 18-23, with no night cover, so the night's studies wait for the
 * morning. Mean FIFO wait about 80 minutes, worst about 9-10 hours.
 */
export function overloadedScenario(opts: { seed?: number; studies?: number } = {}): Scenario {
  const seed = opts.seed ?? 20260101;
  const n = opts.studies ?? 390;
  const base = builtinScenario({ seed, studies: n, radiologists: 2 });
  return {
    ...base,
    name: 'overloaded',
    description: `overloaded department: ${n} adult chest X-rays; 2 radiologists 08-18, 1 in 18-23, no night cover; seed ${seed}`,
    shifts: [
      { from: 0, to: 8, readers: 0 },
      { from: 8, to: 18, readers: 2 },
      { from: 18, to: 23, readers: 1 },
      { from: 23, to: 32, readers: 0 },
      { from: 32, to: 48, readers: 2 },
    ],
  };
}

/** The built-in day's reader roster repeated over `days` days (hours from the first midnight), for replays of received studies. */
export function dailyShifts(days: number, radiologists = 2): ReaderShiftSpec[] {
  const out: ReaderShiftSpec[] = [];
  for (let d = 0; d < days + 1; d++) {
    const h = d * 24;
    out.push(
      { from: h, to: h + 8, readers: 1 },
      { from: h + 8, to: h + 18, readers: radiologists },
      { from: h + 18, to: h + 23, readers: 2 },
      { from: h + 23, to: h + 24, readers: 1 },
    );
  }
  return out;
}

/** The study's class by its true findings, under the same finding → class map as the policy. */
export function trueClassOf(truth: readonly string[], classOf: (key: string) => UrgencyClass | undefined): UrgencyClass {
  const order: UrgencyClass[] = ['critical', 'urgent', 'routine'];
  const classes = truth.map(classOf);
  return order.find((c) => classes.includes(c)) ?? (truth.length > 0 ? 'routine' : 'likely-normal');
}
