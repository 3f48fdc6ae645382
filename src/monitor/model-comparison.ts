import type { ModelCard } from '../inference/models/model-card.ts';
import { evaluate, type ScoredImage, type SubgroupEvaluation } from './evaluation.ts';
import { auroc, bootstrapCi } from './metrics.ts';

/** How a candidate's AUROC compares with the live model's on one finding, by the paired CI. */
export type Verdict = 'better' | 'not-worse' | 'worse' | 'undetermined';

export interface PairedFinding {
  key: string;
  claimedLive: boolean;
  claimedCandidate: boolean;
  positives: number;
  negatives: number;
  live: number | null;
  candidate: number | null;
  /** candidate − live, on the same images. */
  difference: number | null;
  ci95: [number, number] | null;
  verdict: Verdict;
}

export interface SubgroupPair {
  by: SubgroupEvaluation['by'];
  group: string;
  images: number;
  live: { auroc: number | null; underdiagnosis: number | null };
  candidate: { auroc: number | null; underdiagnosis: number | null };
}

export interface PromotionDecision {
  promote: boolean;
  /** The findings the decision rests on: claimed by the live model or the candidate. */
  judged: string[];
  reasons: string[];
}

export interface ModelComparison {
  live: { id: string; version: string; sha256: string };
  candidate: { id: string; version: string; sha256: string };
  images: { listed: number; pairedAnalysed: number };
  findings: PairedFinding[];
  subgroups: SubgroupPair[];
  /** Largest minus smallest subgroup AUROC, per attribute and model: the gap a site should watch. */
  gaps: { by: 'sex' | 'age'; live: number | null; candidate: number | null }[];
  decision: PromotionDecision;
  method: Record<string, string | number>;
}

export interface CompareOptions {
  resamples?: number;
  seed?: number;
  /** Non-inferiority margin on the AUROC difference (default 0.02). */
  margin?: number;
}

const ident = (c: ModelCard): ModelComparison['live'] => ({ id: c.id, version: c.version, sha256: c.sha256 });

function verdictOf(ci: [number, number] | null, margin: number): Verdict {
  if (!ci) return 'undetermined';
  if (ci[0] > 0) return 'better';
  if (ci[1] < 0) return 'worse';
  return ci[0] >= -margin ? 'not-worse' : 'undetermined';
}

/**
 * The promotion rule of issue 14: refused unless the candidate is not worse on any claimed finding
 * (the lower bound of the paired 95% CI of candidate − live AUROC is ≥ −margin) and better on at
 * least one (that lower bound > 0). A claimed finding the labels cannot judge (no positives or no
 * negatives) refuses: absence of evidence is not evidence of non-inferiority.
 */
export function promotionDecision(findings: readonly PairedFinding[]): PromotionDecision {
  const judged = findings.filter((f) => f.claimedLive || f.claimedCandidate);
  const reasons: string[] = [];
  if (judged.length === 0) reasons.push('neither model claims any finding: nothing to judge');
  for (const f of judged) {
    const d = f.ci95 ? `${f.difference?.toFixed(3)} [${f.ci95[0].toFixed(3)}, ${f.ci95[1].toFixed(3)}]` : 'no CI';
    if (f.verdict === 'worse') reasons.push(`${f.key}: candidate worse (${d})`);
    else if (f.verdict === 'undetermined')
      reasons.push(`${f.key}: cannot show the candidate is not worse (${d}; ${f.positives} positives, ${f.negatives} negatives)`);
  }
  const better = judged.filter((f) => f.verdict === 'better');
  if (judged.length > 0 && better.length === 0) reasons.push('better on no claimed finding by the paired CI');
  return { promote: reasons.length === 0, judged: judged.map((f) => f.key), reasons };
}

/**
 * Compares two models scored on the same labelled images: per-finding AUROC of each, the paired
 * difference with a patient-level bootstrap CI (both models resampled on the same patients, so the
 * CI is much narrower than two independent CIs would suggest), subgroup figures side by side, and
 * the promotion decision. Only images both models analysed are compared.
 */
export function compareModels(
  liveCard: ModelCard,
  candCard: ModelCard,
  live: readonly ScoredImage[],
  cand: readonly ScoredImage[],
  opts: CompareOptions = {},
): ModelComparison {
  if (live.length !== cand.length) throw new Error('both models must be scored on the same rows');
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? 20261201;
  const margin = opts.margin ?? 0.02;
  const both = live.flatMap((l, i) => {
    const c = cand[i];
    return l.status === 'analysed' && c?.status === 'analysed' ? [{ l, c }] : [];
  });
  const liveClaims = new Map(liveCard.findings.map((f) => [f.key, f.claimed]));
  const candClaims = new Map(candCard.findings.map((f) => [f.key, f.claimed]));
  const keys = liveCard.findings.map((f) => f.key).filter((k) => candClaims.has(k));
  const findings = keys.map((key): PairedFinding => {
    const known = both.filter(
      ({ l, c }) => (l.row.labels[key] === 0 || l.row.labels[key] === 1) && Number.isFinite(l.probs[key]) && Number.isFinite(c.probs[key]),
    );
    const y = known.map(({ l }) => l.row.labels[key] as 0 | 1);
    const pl = known.map(({ l }) => l.probs[key] as number);
    const pc = known.map(({ c }) => c.probs[key] as number);
    const aL = auroc(pl, y);
    const aC = auroc(pc, y);
    const diff = (idx: number[]): number | null => {
      const yy = idx.map((i) => y[i] ?? 0);
      const a = auroc(
        idx.map((i) => pc[i] ?? NaN),
        yy,
      );
      const b = auroc(
        idx.map((i) => pl[i] ?? NaN),
        yy,
      );
      return a === null || b === null ? null : a - b;
    };
    const ci =
      aL === null || aC === null
        ? null
        : bootstrapCi(known.length, diff, { resamples, seed, clusters: known.map(({ l }) => l.row.patientId) });
    return {
      key,
      claimedLive: liveClaims.get(key) ?? false,
      claimedCandidate: candClaims.get(key) ?? false,
      positives: y.filter((v) => v === 1).length,
      negatives: y.filter((v) => v === 0).length,
      live: aL,
      candidate: aC,
      difference: aL === null || aC === null ? null : aC - aL,
      ci95: ci,
      verdict: verdictOf(ci, margin),
    };
  });
  const evL = evaluate(
    liveCard,
    both.map(({ l }) => l),
    { resamples: 200, seed },
  );
  const evC = evaluate(
    candCard,
    both.map(({ c }) => c),
    { resamples: 200, seed },
  );
  const subgroups = evL.subgroups.map((s, i): SubgroupPair => {
    const c = evC.subgroups[i];
    return {
      by: s.by,
      group: s.group,
      images: s.images,
      live: { auroc: s.auroc, underdiagnosis: s.underdiagnosis.value },
      candidate: { auroc: c?.auroc ?? null, underdiagnosis: c?.underdiagnosis.value ?? null },
    };
  });
  const spread = (by: 'sex' | 'age', side: 'live' | 'candidate'): number | null => {
    const v = subgroups
      .filter((s) => s.by === by)
      .map((s) => s[side].auroc)
      .filter((a): a is number => a !== null);
    return v.length >= 2 ? Math.max(...v) - Math.min(...v) : null;
  };
  return {
    live: ident(liveCard),
    candidate: ident(candCard),
    images: { listed: live.length, pairedAnalysed: both.length },
    findings,
    subgroups,
    gaps: (['sex', 'age'] as const).map((by) => ({ by, live: spread(by, 'live'), candidate: spread(by, 'candidate') })),
    decision: promotionDecision(findings),
    method: {
      pairing: 'only images both models analysed; unknown labels excluded, never negative',
      ci95: `percentile bootstrap of candidate − live AUROC, ${resamples} patient-level resamples on the same patients, seed ${seed}`,
      notWorse: `lower CI bound >= -${margin} (non-inferiority margin)`,
      better: 'lower CI bound > 0',
      subgroups: 'abnormality AUROC and underdiagnosis per subgroup, as readfirst eval computes them',
    },
  };
}
