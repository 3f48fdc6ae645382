import { describe, expect, it } from 'vitest';
import { auroc, bootstrapCi, ece, sensSpec, wilson } from './metrics.ts';

describe('metrics', () => {
  it('AUROC: perfect, inverted, chance with ties, and undefined with one class', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auroc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    // pairs (pos, neg): (0.4 vs 0.1 ✓, 0.4 vs 0.35 ✓, 0.4 vs 0.8 ✗), (0.8 tie 0.8 ½, ✓, ✓) → 4.5 / 6
    expect(auroc([0.1, 0.35, 0.8, 0.4, 0.8], [0, 0, 0, 1, 1])).toBeCloseTo(4.5 / 6, 12);
    expect(auroc([0.1, 0.2], [1, 1])).toBeNull();
  });

  it('Wilson interval matches the textbook value for 8/10', () => {
    const [lo, hi] = wilson(8, 10) ?? [NaN, NaN];
    expect(lo).toBeCloseTo(0.4902, 3);
    expect(hi).toBeCloseTo(0.9433, 3);
    expect(wilson(0, 0)).toBeNull();
  });

  it('bootstrap CI brackets the estimate, is reproducible, and widens when images come from the same patients', () => {
    // 40 patients, 5 identical images each: 200 images but only 40 independent observations
    const base: { score: number; label: 0 | 1 }[] = Array.from({ length: 40 }, (_, p) => ({
      score: ((p * 37) % 40) / 40,
      label: p % 3 === 0 ? 1 : 0,
    }));
    const items = base.flatMap((b, p) => Array.from({ length: 5 }, () => ({ ...b, patient: `p${p}` })));
    const stat = (idx: number[]) =>
      auroc(
        idx.map((i) => items[i]?.score ?? 0),
        idx.map((i) => items[i]?.label ?? 0),
      );
    const point =
      auroc(
        items.map((x) => x.score),
        items.map((x) => x.label),
      ) ?? NaN;
    const naive = bootstrapCi(items.length, stat, { seed: 3 });
    expect(naive).not.toBeNull();
    expect(naive![0]).toBeLessThanOrEqual(point);
    expect(naive![1]).toBeGreaterThanOrEqual(point);
    expect(bootstrapCi(items.length, stat, { seed: 3 })).toEqual(naive);
    const clustered = bootstrapCi(items.length, stat, { seed: 3, clusters: items.map((x) => x.patient) });
    expect(clustered![1] - clustered![0]).toBeGreaterThan(1.5 * (naive![1] - naive![0]));
  });

  it('sensitivity and specificity at a threshold', () => {
    const r = sensSpec([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0], 0.5);
    expect([r.sensitivity.k, r.sensitivity.n, r.specificity.k, r.specificity.n]).toEqual([1, 2, 1, 2]);
  });

  it('ECE is 0 for calibrated bins and |p - y| for one confident miss', () => {
    expect(ece([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(0, 12);
    expect(ece([0.9], [0])).toBeCloseTo(0.9, 12);
  });
});
