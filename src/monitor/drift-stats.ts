/**
 * Distribution-shift statistics between a reference window and a current window: the population
 * stability index (PSI, Yurdakul 2018, "Statistical properties of population stability index")
 * on numeric and categorical data, and the two-sample Kolmogorov–Smirnov test.
 */

/** Empty bins get this share, so PSI stays finite (the usual convention). */
const EMPTY_SHARE = 1e-4;

function psiOfShares(ref: readonly number[], cur: readonly number[]): number {
  let s = 0;
  ref.forEach((r0, i) => {
    const r = Math.max(r0, EMPTY_SHARE);
    const c = Math.max(cur[i] ?? 0, EMPTY_SHARE);
    s += (c - r) * Math.log(c / r);
  });
  return s;
}

/** Bin edges at the reference's quantiles (deciles by default), de-duplicated for tied data. */
export function quantileEdges(reference: readonly number[], bins = 10): number[] {
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / bins))];
    if (v !== undefined && edges[edges.length - 1] !== v) edges.push(v);
  }
  return edges;
}

/** Share of values in each bin; bin i holds edges[i-1] <= v < edges[i]. */
export function binShares(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    let i = 0;
    while (i < edges.length && v >= (edges[i] as number)) i++;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts.map((c) => (values.length ? c / values.length : 0));
}

/**
 * PSI of numeric data on the reference's quantile bins: Σ (cᵢ − rᵢ)·ln(cᵢ/rᵢ). Common reading:
 * below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift. Null when either is empty.
 */
export function psi(reference: readonly number[], current: readonly number[], bins = 10): number | null {
  if (reference.length === 0 || current.length === 0) return null;
  const edges = quantileEdges(reference, bins);
  return psiOfShares(binShares(reference, edges), binShares(current, edges));
}

/** PSI of categorical data (manufacturer, view): each category is one bin. */
export function psiCategorical(reference: Readonly<Record<string, number>>, current: Readonly<Record<string, number>>): number | null {
  const keys = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort();
  const total = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const tr = total(reference);
  const tc = total(current);
  if (tr === 0 || tc === 0) return null;
  return psiOfShares(
    keys.map((k) => (reference[k] ?? 0) / tr),
    keys.map((k) => (current[k] ?? 0) / tc),
  );
}

/** Kolmogorov's limiting distribution Q(λ) = 2 Σ (−1)^(j−1) e^(−2 j² λ²). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = 2 * (j % 2 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * Two-sample Kolmogorov–Smirnov: D = sup |F_ref − F_cur|, with the asymptotic p-value and
 * Stephens' small-sample correction (Numerical Recipes 14.3). Null when either sample is empty.
 */
export function ksTwoSample(reference: readonly number[], current: readonly number[]): { d: number; pValue: number } | null {
  const n = reference.length;
  const m = current.length;
  if (n === 0 || m === 0) return null;
  const a = [...reference].sort((x, y) => x - y);
  const b = [...current].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(a[i] as number, b[j] as number);
    while (i < n && (a[i] as number) <= v) i++;
    while (j < m && (b[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}
