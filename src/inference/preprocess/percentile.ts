/**
 * Percentiles with numpy's default (linear) interpolation, so the engine's percentile window
 * matches training's `np.percentile(a, [0.5, 99.5])`. Integer-valued data with a modest range
 * (every 8–16-bit image) uses an exact counting pass; anything else sorts a copy.
 */
/** What the caller already knows of the values (a decoded frame knows its range), saving a pass. */
export interface ValueRange {
  min: number;
  max: number;
  /** Every value is an integer (integer stored values, integer rescale). */
  integral: boolean;
}

export function percentiles(values: Float32Array, ps: readonly number[], known?: ValueRange): number[] {
  const n = values.length;
  if (n === 0) return ps.map(() => NaN);
  let { min, max, integral } = known ?? { min: Infinity, max: -Infinity, integral: true };
  if (!known) {
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (v < min) min = v;
      if (v > max) max = v;
      if (integral && (v | 0) !== v) integral = false;
    }
  }
  const range = max - min;
  const rankValue = integral && range <= 1 << 20 ? countingRank(values, min, range) : sortedRank(values);
  return ps.map((p) => {
    const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
    const lo = Math.floor(pos);
    const a = rankValue(lo);
    const b = rankValue(Math.min(n - 1, lo + 1));
    return a + (b - a) * (pos - lo);
  });
}

function countingRank(values: Float32Array, min: number, range: number): (rank: number) => number {
  const counts = new Uint32Array(range + 1);
  for (let i = 0; i < values.length; i++) {
    const k = ((values[i] as number) - min) | 0;
    counts[k] = (counts[k] as number) + 1;
  }
  const cumulative = new Float64Array(range + 1);
  let acc = 0;
  for (let v = 0; v <= range; v++) {
    acc += counts[v] ?? 0;
    cumulative[v] = acc;
  }
  return (rank) => {
    let lo = 0;
    let hi = range;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) > rank) hi = mid;
      else lo = mid + 1;
    }
    return lo + min;
  };
}

function sortedRank(values: Float32Array): (rank: number) => number {
  const sorted = Float32Array.from(values).sort();
  return (rank) => sorted[rank] ?? NaN;
}
