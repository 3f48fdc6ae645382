/**
 * Performance metrics of a scoring model: AUROC, bootstrap confidence intervals (patient-level
 * when patient ids are given), Wilson intervals for rates, sensitivity/specificity at a threshold,
 * and expected calibration error. Shared by `readfirst eval` and monitoring.
 */

/** AUROC by the Mann–Whitney statistic with mid-ranks for ties; null without both classes. */
export function auroc(scores: readonly number[], labels: readonly (0 | 1)[]): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        pos++;
        rankSumPos += midRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** A small seeded PRNG (mulberry32), so every bootstrap is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Cluster id per item (patient): whole clusters are resampled, as images of one patient are not independent. */
  clusters?: readonly string[];
}

/**
 * Percentile bootstrap 95% CI of `stat` over items 0..n-1. Resamples where the statistic is
 * undefined (e.g. one class only) are skipped; null when fewer than half are defined.
 */
export function bootstrapCi(n: number, stat: (indices: number[]) => number | null, opts: BootstrapOptions = {}): [number, number] | null {
  const resamples = opts.resamples ?? 1000;
  const rand = seededRandom(opts.seed ?? 1);
  const groups: number[][] = [];
  if (opts.clusters) {
    const byCluster = new Map<string, number[]>();
    opts.clusters.forEach((c, i) => {
      const g = byCluster.get(c);
      if (g) g.push(i);
      else byCluster.set(c, [i]);
    });
    groups.push(...byCluster.values());
  } else for (let i = 0; i < n; i++) groups.push([i]);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const idx: number[] = [];
    for (let k = 0; k < groups.length; k++) idx.push(...(groups[Math.floor(rand() * groups.length)] as number[]));
    const v = stat(idx);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length < resamples / 2) return null;
  values.sort((a, b) => a - b);
  const at = (p: number): number => values[Math.min(values.length - 1, Math.max(0, Math.round(p * (values.length - 1))))] as number;
  return [at(0.025), at(0.975)];
}

/** Wilson score 95% interval of a proportion k/n; null when n is 0. */
export function wilson(k: number, n: number, z = 1.959964): [number, number] | null {
  if (n === 0) return null;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface Rate {
  value: number | null;
  k: number;
  n: number;
  ci95: [number, number] | null;
}

export function rate(k: number, n: number): Rate {
  return { value: n ? k / n : null, k, n, ci95: wilson(k, n) };
}

/** Sensitivity and specificity of `score >= threshold`, each with a Wilson interval. */
export function sensSpec(
  scores: readonly number[],
  labels: readonly (0 | 1)[],
  threshold: number,
): { sensitivity: Rate; specificity: Rate } {
  let tp = 0;
  let pos = 0;
  let tn = 0;
  let neg = 0;
  scores.forEach((s, i) => {
    if (labels[i] === 1) {
      pos++;
      if (s >= threshold) tp++;
    } else {
      neg++;
      if (s < threshold) tn++;
    }
  });
  return { sensitivity: rate(tp, pos), specificity: rate(tn, neg) };
}

/** Counts of a binary decision `score >= threshold` against labels. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function confusionAt(scores: readonly number[], labels: readonly (0 | 1)[], threshold: number): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  scores.forEach((s, i) => {
    const called = s >= threshold;
    if (labels[i] === 1) {
      if (called) c.tp++;
      else c.fn++;
    } else if (called) c.fp++;
    else c.tn++;
  });
  return c;
}

/** Sensitivity, specificity, PPV and NPV of a confusion table, each with a Wilson 95% interval. */
export function binaryRates(c: Confusion): { sensitivity: Rate; specificity: Rate; ppv: Rate; npv: Rate } {
  return {
    sensitivity: rate(c.tp, c.tp + c.fn),
    specificity: rate(c.tn, c.tn + c.fp),
    ppv: rate(c.tp, c.tp + c.fp),
    npv: rate(c.tn, c.tn + c.fn),
  };
}

/** One bin of a reliability diagram: mean predicted probability against the observed frequency. */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  meanPredicted: number | null;
  observed: Rate;
}

/** Equal-width reliability bins (Guo et al. 2017, "On calibration of modern neural networks"). */
export function reliabilityBins(probs: readonly number[], labels: readonly (0 | 1)[], bins = 10): ReliabilityBin[] {
  const sumP = new Float64Array(bins);
  const pos = new Float64Array(bins);
  const count = new Float64Array(bins);
  probs.forEach((p, i) => {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    sumP[b] = (sumP[b] as number) + p;
    pos[b] = (pos[b] as number) + (labels[i] ?? 0);
    count[b] = (count[b] as number) + 1;
  });
  return Array.from({ length: bins }, (_, b) => {
    const n = count[b] as number;
    return { lo: b / bins, hi: (b + 1) / bins, n, meanPredicted: n ? (sumP[b] as number) / n : null, observed: rate(pos[b] as number, n) };
  });
}

/** Expected calibration error: the count-weighted mean |mean predicted − observed| over equal-width bins. */
export function ece(probs: readonly number[], labels: readonly (0 | 1)[], bins = 10): number | null {
  if (probs.length === 0) return null;
  let e = 0;
  for (const b of reliabilityBins(probs, labels, bins)) if (b.n > 0) e += Math.abs((b.meanPredicted ?? 0) * b.n - b.observed.k);
  return e / probs.length;
}

/**
 * AUROC and its clustered percentile-bootstrap 95% CI (patients resampled whole, `opts.clusters`);
 * the CI is null when the AUROC itself is (one class only).
 */
export function aurocWithCi(
  scores: readonly number[],
  labels: readonly (0 | 1)[],
  opts: BootstrapOptions,
): { auroc: number | null; ci95: [number, number] | null } {
  const a = auroc(scores, labels);
  const ci95 =
    a === null
      ? null
      : bootstrapCi(
          scores.length,
          (idx) =>
            auroc(
              idx.map((i) => scores[i] ?? NaN),
              idx.map((i) => labels[i] ?? 0),
            ),
          opts,
        );
  return { auroc: a, ci95 };
}
