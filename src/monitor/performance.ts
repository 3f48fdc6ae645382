import { calibrationOf, type Calibration } from './calibration.ts';
import type { MonitorCase } from './cases.ts';
import type { TruthSource } from './ground-truth.ts';
import { aurocWithCi, binaryRates, confusionAt, type Confusion, type Rate } from './metrics.ts';

/** A live figure below what the model card claims. */
export interface ClaimFlag {
  metric: string;
  live: number;
  claim: number;
  /** True when the live 95% interval lies wholly below the claim; false: below, but within noise. */
  significant: boolean;
  message: string;
}

export interface OperatingPointPerformance {
  name: string;
  threshold: number;
  card: { sensitivity: number; specificity: number };
  confusion: Confusion;
  sensitivity: Rate;
  specificity: Rate;
  ppv: Rate;
  npv: Rate;
  flags: ClaimFlag[];
}

export interface FindingPerformance {
  model: { id: string; version: string };
  finding: string;
  claimed: boolean;
  studies: number;
  positives: number;
  negatives: number;
  /** Studies the model read whose label for this finding is unknown (left out, never negative). */
  unknown: number;
  /** Labels by where they came from. */
  sources: Record<TruthSource, number>;
  auroc: number | null;
  ci95: [number, number] | null;
  cardAuroc: { value: number; set: string } | null;
  calibration: Calibration;
  operatingPoints: OperatingPointPerformance[];
  flags: ClaimFlag[];
}

/** AUROC claims from model cards: `${id}@${version}` → finding → claimed AUROC and the set it came from. */
export type CardClaims = ReadonlyMap<string, ReadonlyMap<string, { value: number; set: string }>>;

export interface PerformanceOptions {
  resamples?: number;
  seed?: number;
  claims?: CardClaims;
}

/** Groups cases by model id and version ("id@version"), in a stable order. */
export function byModelVersion(cases: readonly MonitorCase[]): Map<string, MonitorCase[]> {
  const out = new Map<string, MonitorCase[]>();
  for (const c of [...cases].sort((a, b) => `${a.model.id}@${a.model.version}`.localeCompare(`${b.model.id}@${b.model.version}`))) {
    const k = `${c.model.id}@${c.model.version}`;
    const list = out.get(k);
    if (list) list.push(c);
    else out.set(k, [c]);
  }
  return out;
}

function flagBelow(metric: string, live: number | null, ci: [number, number] | null, claim: number): ClaimFlag[] {
  if (live === null || live >= claim) return [];
  const significant = ci !== null && ci[1] < claim;
  return [
    {
      metric,
      live,
      claim,
      significant,
      message: `${metric} ${live.toFixed(3)} is below the card's ${claim.toFixed(3)}${significant ? ' (95% CI wholly below)' : ' (within the 95% CI: may be noise)'}`,
    },
  ];
}

/**
 * Performance of one finding of one model version: AUROC with a patient-level seeded bootstrap
 * CI, and at every operating point of the card the confusion table with sensitivity,
 * specificity, PPV and NPV (Wilson 95% CIs), each compared with the card's claim.
 */
export function findingPerformance(cases: readonly MonitorCase[], finding: string, opts: PerformanceOptions = {}): FindingPerformance {
  const first = cases[0];
  const model = { id: first?.model.id ?? '', version: first?.model.version ?? '' };
  const read = cases.filter((c) => c.status === 'analysed' && c.probs[finding] !== undefined);
  const known = read.filter((c) => c.truth.has(finding));
  const p = known.map((c) => c.probs[finding] as number);
  const y = known.map((c) => c.truth.get(finding)?.value ?? 0);
  const sources: Record<TruthSource, number> = { import: 0, verdict: 0 };
  for (const c of known) sources[c.truth.get(finding)?.source ?? 'import']++;
  const { auroc: a, ci95: ci } = aurocWithCi(p, y, {
    resamples: opts.resamples ?? 1000,
    seed: opts.seed ?? 20261129,
    clusters: known.map((c) => c.patientKey),
  });
  const cardAuroc = opts.claims?.get(`${model.id}@${model.version}`)?.get(finding) ?? null;
  const points = read.find((c) => c.points[finding]?.length)?.points[finding] ?? [];
  const claimed = read.some((c) => c.claimed.includes(finding));
  const operatingPoints = points.map((op): OperatingPointPerformance => {
    const confusion = confusionAt(p, y, op.threshold);
    const rates = binaryRates(confusion);
    return {
      name: op.name,
      threshold: op.threshold,
      card: { sensitivity: op.sensitivity, specificity: op.specificity },
      confusion,
      ...rates,
      flags: !claimed
        ? []
        : [
            ...flagBelow(`sensitivity@${op.name}`, rates.sensitivity.value, rates.sensitivity.ci95, op.sensitivity),
            ...flagBelow(`specificity@${op.name}`, rates.specificity.value, rates.specificity.ci95, op.specificity),
          ],
    };
  });
  return {
    model,
    finding,
    claimed,
    studies: read.length,
    positives: y.filter((v) => v === 1).length,
    negatives: y.filter((v) => v === 0).length,
    unknown: read.length - known.length,
    sources,
    auroc: a,
    ci95: ci,
    cardAuroc,
    calibration: calibrationOf(p, y),
    operatingPoints,
    // Only claimed findings carry a claim; an unclaimed output's card figures are informational.
    flags: claimed ? [...(cardAuroc ? flagBelow('AUROC', a, ci, cardAuroc.value) : []), ...operatingPoints.flatMap((o) => o.flags)] : [],
  };
}

/** Every finding of every model version in the cases. */
export function performanceTable(cases: readonly MonitorCase[], opts: PerformanceOptions = {}): FindingPerformance[] {
  const out: FindingPerformance[] = [];
  for (const group of byModelVersion(cases).values()) {
    const findings = [...new Set(group.flatMap((c) => Object.keys(c.probs)))].sort();
    for (const f of findings) out.push(findingPerformance(group, f, opts));
  }
  return out;
}
