import type { MonitorCase } from './cases.ts';
import type { TruthLabel } from './ground-truth.ts';
import { seededRandom } from './metrics.ts';

/** Options of a seeded synthetic population of study readings (tests only). */
export interface SyntheticOptions {
  n: number;
  seed: number;
  /** Sensitivity of "abnormal" at the balanced point, overall and per manufacturer. */
  sensitivity?: number;
  sensitivityByManufacturer?: Record<string, number>;
  specificity?: number;
  prevalence?: number;
  /** Added to every effusion score (a planted output shift). */
  effusionShift?: number;
  at?: number;
  model?: { id: string; version: string };
}

export const SYNTHETIC_MANUFACTURERS = ['Acme', 'Bolt', 'Corex', 'Dyna'] as const;

/**
 * A seeded population: sex, age (18–79), manufacturer and view uniform; abnormal with the given
 * prevalence; p(no finding) below the balanced threshold 0.5 with probability `sensitivity` for
 * diseased studies and above it with probability `specificity` for normal ones.
 */
export function syntheticCases(o: SyntheticOptions): MonitorCase[] {
  const rand = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const points = [{ name: 'balanced', threshold: 0.5, sensitivity: o.sensitivity ?? 0.85, specificity: o.specificity ?? 0.8 }];
  return Array.from({ length: o.n }, (_, i): MonitorCase => {
    const manufacturer = pick(SYNTHETIC_MANUFACTURERS);
    const diseased = rand() < (o.prevalence ?? 0.4);
    const sens = o.sensitivityByManufacturer?.[manufacturer] ?? o.sensitivity ?? 0.85;
    const calledAbnormal = diseased ? rand() < sens : rand() >= (o.specificity ?? 0.8);
    const nf = calledAbnormal ? 0.5 * rand() : 0.5 + 0.5 * rand();
    const effusion = Math.min(1, Math.max(0, (diseased ? 0.35 + 0.5 * rand() : 0.4 * rand()) + (o.effusionShift ?? 0)));
    const truth = new Map<string, TruthLabel>([
      ['no_finding', { value: diseased ? 0 : 1, source: 'import' }],
      ['effusion', { value: diseased ? 1 : 0, source: 'import' }],
    ]);
    return {
      studyUid: `2.25.${o.seed}${i}`,
      patientKey: `p${o.seed}-${i}`,
      model: { id: o.model?.id ?? 'synthetic', version: o.model?.version ?? '1.0.0', shadow: false },
      at: (o.at ?? Date.UTC(2026, 10, 1)) + i * 60_000,
      status: 'analysed',
      gateReasons: [],
      probs: { no_finding: nf, effusion },
      claimed: ['no_finding', 'effusion'],
      points: { no_finding: points, effusion: [{ ...points[0], name: 'balanced', threshold: 0.5 } as (typeof points)[number]] },
      attrs: {
        sex: rand() < 0.5 ? 'F' : 'M',
        ageYears: 18 + Math.floor(rand() * 62),
        manufacturer,
        manufacturerModel: null,
        station: null,
        institution: null,
        view: rand() < 0.5 ? 'PA' : 'AP',
        tags: {},
      },
      inputs: [{ rows: 2048, columns: 2048, measures: { std: 0.2 + 0.05 * rand() } }],
      truth,
    };
  });
}
