import type { ModelCard } from '../inference/models/model-card.ts';
import type { LabelRow } from './labels-csv.ts';
import { aurocWithCi, ece, rate, sensSpec, type Rate } from './metrics.ts';

/** One evaluated image: its labels and what the engine said. */
export interface ScoredImage {
  row: LabelRow;
  status: 'analysed' | 'not-analysable' | 'failed' | 'missing';
  reason?: string;
  /** Finding key → probability (claimed and unclaimed outputs), when analysed. */
  probs: Record<string, number>;
}

export interface FindingEvaluation {
  key: string;
  display: string;
  claimed: boolean;
  positives: number;
  negatives: number;
  unknown: number;
  auroc: number | null;
  ci95: [number, number] | null;
  ece: number | null;
  operatingPoints: {
    name: string;
    threshold: number;
    sensitivity: Rate;
    specificity: Rate;
    card: { sensitivity: number; specificity: number };
  }[];
}

export interface SubgroupEvaluation {
  by: 'all' | 'sex' | 'age';
  group: string;
  images: number;
  diseased: number;
  normal: number;
  /** AUROC of the abnormality score (1 - p(no_finding), else the highest claimed-finding probability), diseased vs normal. */
  auroc: number | null;
  ci95: [number, number] | null;
  /** Diseased images called "no finding" at the operating point. */
  underdiagnosis: Rate;
}

export interface EvaluationReport {
  model: { id: string; version: string; sha256: string };
  operatingPoint: string;
  images: { listed: number; analysed: number; notAnalysable: number; failed: number; missing: number };
  notAnalysableReasons: Record<string, number>;
  findings: FindingEvaluation[];
  subgroups: SubgroupEvaluation[];
  method: Record<string, string | number>;
}

const NO_FINDING = 'no_finding';
export const AGE_BANDS: readonly [string, number, number][] = [
  ['0-17', 0, 18],
  ['18-39', 18, 40],
  ['40-59', 40, 60],
  ['60-79', 60, 80],
  ['80+', 80, Infinity],
];

export interface EvaluateOptions {
  resamples?: number;
  seed?: number;
  /** Operating point for sensitivity-type summaries; default "balanced" when the card has it. */
  operatingPoint?: string;
}

/**
 * Per-finding AUROC (patient-level bootstrap 95% CI) with counts, sensitivity/specificity at the
 * card's operating points (Wilson CIs) next to the card's own figures, and a subgroup table by
 * sex and age band: AUROC of the abnormality score and the underdiagnosis rate (diseased images
 * called "no finding", Seyyed-Kalantari et al. 2021). Unknown labels are never negatives.
 */
export function evaluate(card: ModelCard, scored: readonly ScoredImage[], opts: EvaluateOptions = {}): EvaluationReport {
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? 20261129;
  const analysed = scored.filter((s) => s.status === 'analysed');
  const reasons: Record<string, number> = {};
  for (const s of scored) if (s.status === 'not-analysable') reasons[s.reason ?? 'unknown'] = (reasons[s.reason ?? 'unknown'] ?? 0) + 1;
  const opNames = card.findings.flatMap((f) => f.operatingPoints.map((o) => o.name));
  const op = opts.operatingPoint ?? (opNames.includes('balanced') ? 'balanced' : (opNames[0] ?? 'balanced'));

  const findings = card.findings.map((f): FindingEvaluation => {
    const known = analysed.filter((s) => s.row.labels[f.key] === 0 || s.row.labels[f.key] === 1);
    const p = known.map((s) => s.probs[f.key] ?? NaN);
    const y = known.map((s) => s.row.labels[f.key] as 0 | 1);
    const { auroc: a, ci95: ci } = aurocWithCi(p, y, { resamples, seed, clusters: known.map((s) => s.row.patientId) });
    return {
      key: f.key,
      display: f.display,
      claimed: f.claimed,
      positives: y.filter((v) => v === 1).length,
      negatives: y.filter((v) => v === 0).length,
      unknown: analysed.length - known.length,
      auroc: a,
      ci95: ci,
      ece: ece(p, y),
      operatingPoints: f.operatingPoints.map((o) => ({
        name: o.name,
        threshold: o.threshold,
        ...sensSpec(p, y, o.threshold),
        card: { sensitivity: o.sensitivity, specificity: o.specificity },
      })),
    };
  });

  const disease = card.findings.filter((f) => f.claimed && f.key !== NO_FINDING);
  const noFinding = card.findings.find((f) => f.key === NO_FINDING);
  const noFindingOp = noFinding?.operatingPoints.find((o) => o.name === op);
  // Diseased: a claimed finding labelled present, or no_finding labelled 0 (Seyyed-Kalantari's
  // definition) when the model has a no_finding output; normal: no_finding = 1, or every claimed
  // finding labelled absent.
  const truth = (s: ScoredImage): 0 | 1 | null => {
    if (disease.some((f) => s.row.labels[f.key] === 1)) return 1;
    if (noFinding && s.row.labels[NO_FINDING] === 0) return 1;
    if (s.row.labels[NO_FINDING] === 1 || (disease.length > 0 && disease.every((f) => s.row.labels[f.key] === 0))) return 0;
    return null;
  };
  const score = (s: ScoredImage): number =>
    noFinding ? 1 - (s.probs[NO_FINDING] ?? 1) : Math.max(...disease.map((f) => s.probs[f.key] ?? 0));
  const calledNormal = (s: ScoredImage): boolean =>
    noFindingOp
      ? (s.probs[NO_FINDING] ?? 0) >= noFindingOp.threshold
      : disease.every((f) => (s.probs[f.key] ?? 0) < (f.operatingPoints.find((o) => o.name === op)?.threshold ?? Infinity));

  const subgroup = (by: SubgroupEvaluation['by'], group: string, members: readonly ScoredImage[]): SubgroupEvaluation => {
    const judged = members.filter((s) => truth(s) !== null);
    const p = judged.map(score);
    const y = judged.map((s) => truth(s) as 0 | 1);
    const { auroc: a, ci95: ci } = aurocWithCi(p, y, { resamples, seed, clusters: judged.map((s) => s.row.patientId) });
    const diseased = judged.filter((s) => truth(s) === 1);
    return {
      by,
      group,
      images: members.length,
      diseased: diseased.length,
      normal: judged.length - diseased.length,
      auroc: a,
      ci95: ci,
      underdiagnosis: rate(diseased.filter(calledNormal).length, diseased.length),
    };
  };
  const subgroups = [subgroup('all', 'all', analysed)];
  for (const sex of ['F', 'M'] as const)
    subgroups.push(
      subgroup(
        'sex',
        sex,
        analysed.filter((s) => s.row.sex === sex),
      ),
    );
  for (const [name, lo, hi] of AGE_BANDS)
    subgroups.push(
      subgroup(
        'age',
        name,
        analysed.filter((s) => s.row.age !== null && s.row.age >= lo && s.row.age < hi),
      ),
    );

  return {
    model: { id: card.id, version: card.version, sha256: card.sha256 },
    operatingPoint: op,
    images: {
      listed: scored.length,
      analysed: analysed.length,
      notAnalysable: scored.filter((s) => s.status === 'not-analysable').length,
      failed: scored.filter((s) => s.status === 'failed').length,
      missing: scored.filter((s) => s.status === 'missing').length,
    },
    notAnalysableReasons: reasons,
    findings,
    subgroups,
    method: {
      auroc: 'Mann-Whitney with mid-ranks; images whose label is empty (unknown) are left out, never counted negative',
      ci95: `percentile bootstrap, ${resamples} patient-level resamples, seed ${seed}`,
      rates: 'Wilson score 95% intervals',
      diseased: `any claimed finding (${disease.map((f) => f.key).join(', ')}) labelled 1${noFinding ? ', or no_finding labelled 0' : ''}; normal: no_finding = 1 or all claimed findings labelled 0`,
      abnormalityScore: noFinding ? '1 - p(no_finding)' : 'highest claimed-finding probability',
      underdiagnosis: noFindingOp
        ? `diseased images with p(no_finding) >= ${noFindingOp.threshold} (${op})`
        : `diseased images with every claimed finding negative at "${op}"`,
      excluded: 'images the quality gate refused (not analysable) are counted above and excluded from every metric',
    },
  };
}
