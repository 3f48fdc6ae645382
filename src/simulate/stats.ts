/** Summary of a list of waits, in minutes. */
export interface WaitStats {
  n: number;
  mean: number;
  median: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? NaN;
}

export function waitStats(waitsMs: readonly number[]): WaitStats {
  const m = [...waitsMs].map((w) => w / 60_000).sort((a, b) => a - b);
  const n = m.length;
  return {
    n,
    mean: n ? m.reduce((a, b) => a + b, 0) / n : NaN,
    median: n ? (n % 2 ? (m[(n - 1) / 2] ?? NaN) : ((m[n / 2 - 1] ?? 0) + (m[n / 2] ?? 0)) / 2) : NaN,
    p95: percentile(m, 95),
    max: n ? (m[n - 1] ?? NaN) : NaN,
  };
}
