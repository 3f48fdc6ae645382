import { describe, expect, it } from 'vitest';
import { auroc, binaryRates, bootstrapCi, confusionAt, ece, reliabilityBins, wilson } from './metrics.ts';

/** Expands a rating table (count per rating level) into scores and labels. */
function ratings(normal: number[], abnormal: number[]): { s: number[]; y: (0 | 1)[] } {
  const s: number[] = [];
  const y: (0 | 1)[] = [];
  normal.forEach((n, r) => Array.from({ length: n }, () => (s.push(r + 1), y.push(0))));
  abnormal.forEach((n, r) => Array.from({ length: n }, () => (s.push(r + 1), y.push(1))));
  return { s, y };
}

describe('metric functions against published and hand-worked values', () => {
  it('AUROC of Hanley & McNeil 1982 (Radiology 143:29, Table 1: CT ratings of 109 patients) is 0.893', () => {
    const { s, y } = ratings([33, 6, 6, 11, 2], [3, 2, 2, 11, 33]);
    // Hand: Σ over abnormal of (normals rated lower + ½ tied) = 2642, over 51 × 58 pairs
    expect(auroc(s, y)).toBeCloseTo(2642 / 2958, 12);
    expect(auroc(s, y)).toBeCloseTo(0.893, 3);
  });

  it('AUROC of the 20-instance ranking of Fawcett 2006 (Pattern Recogn. Lett. 27:861, Fig. 3) is 0.68', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.55, 0.54, 0.53, 0.52, 0.51, 0.505, 0.4, 0.39, 0.38, 0.37, 0.36, 0.35, 0.34, 0.33, 0.3, 0.1];
    const labels: (0 | 1)[] = [1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0];
    expect(auroc(scores, labels)).toBeCloseTo(0.68, 12);
  });

  it('Wilson intervals match Newcombe 1998 (Stat. Med. 17:857, Table II)', () => {
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [k, n, lo, hi] of cases) {
      const ci = wilson(k, n);
      expect(ci?.[0]).toBeCloseTo(lo, 4);
      expect(ci?.[1]).toBeCloseTo(hi, 4);
    }
  });

  it('confusion table and PPV/NPV by hand', () => {
    // scores ≥ 0.5 are called positive: tp 0.9 0.7, fn 0.2, fp 0.6, tn 0.1 0.3 0.4
    const c = confusionAt([0.9, 0.7, 0.2, 0.6, 0.1, 0.3, 0.4], [1, 1, 1, 0, 0, 0, 0], 0.5);
    expect(c).toEqual({ tp: 2, fn: 1, fp: 1, tn: 3 });
    const r = binaryRates(c);
    expect([r.sensitivity.value, r.specificity.value, r.ppv.value, r.npv.value]).toEqual([2 / 3, 3 / 4, 2 / 3, 3 / 4]);
    expect(binaryRates({ tp: 0, fp: 0, tn: 5, fn: 0 }).ppv).toMatchObject({ value: null, n: 0, ci95: null });
  });

  it('reliability bins and ECE by hand', () => {
    // bin 0.1–0.2: p 0.15 ×2, one positive → |0.15 − 0.5| × 2; bin 0.8–0.9: p 0.85 ×2, both positive → |0.85 − 1| × 2
    const p = [0.15, 0.15, 0.85, 0.85];
    const y: (0 | 1)[] = [1, 0, 1, 1];
    const bins = reliabilityBins(p, y);
    expect(bins[1]).toMatchObject({ n: 2, meanPredicted: 0.15, observed: { k: 1, n: 2 } });
    expect(bins[8]).toMatchObject({ n: 2, observed: { k: 2, n: 2 } });
    expect(ece(p, y)).toBeCloseTo((0.35 * 2 + 0.15 * 2) / 4, 12);
  });

  it('a seeded bootstrap gives the same interval twice and another with another seed', () => {
    const { s, y } = ratings([33, 6, 6, 11, 2], [3, 2, 2, 11, 33]);
    const stat = (idx: number[]) =>
      auroc(
        idx.map((i) => s[i] ?? 0),
        idx.map((i) => y[i] ?? 0),
      );
    const a = bootstrapCi(s.length, stat, { seed: 11, resamples: 500 });
    expect(bootstrapCi(s.length, stat, { seed: 11, resamples: 500 })).toEqual(a);
    expect(bootstrapCi(s.length, stat, { seed: 12, resamples: 500 })).not.toEqual(a);
    // Hanley & McNeil's standard error for this table is 0.0317: the 95% interval is about ±0.062
    expect(a![1] - a![0]).toBeGreaterThan(0.09);
    expect(a![1] - a![0]).toBeLessThan(0.16);
  });
});
