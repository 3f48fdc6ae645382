import { describe, expect, it } from 'vitest';
import { binShares, kolmogorovQ, ksTwoSample, psi, psiCategorical, quantileEdges } from './drift-stats.ts';
import { seededRandom } from './metrics.ts';

describe('drift statistics', () => {
  it('PSI by hand: shares 0.5/0.5 → 0.25/0.75 give 0.25·ln 2 + 0.25·ln 1.5', () => {
    const want = 0.25 * Math.log(2) + 0.25 * Math.log(1.5);
    expect(psiCategorical({ GE: 50, Siemens: 50 }, { GE: 25, Siemens: 75 })).toBeCloseTo(want, 12);
    // numeric: reference 0..99 split at its median, current with three quarters above it
    const ref = Array.from({ length: 100 }, (_, i) => i);
    const cur = [...Array.from({ length: 25 }, (_, i) => i), ...Array.from({ length: 75 }, (_, i) => 50 + (i % 50))];
    expect(psi(ref, cur, 2)).toBeCloseTo(want, 12);
    expect(psi(ref, ref)).toBe(0);
    expect(psi([], cur)).toBeNull();
  });

  it('quantile edges and bin shares', () => {
    expect(quantileEdges([1, 2, 3, 4], 2)).toEqual([3]);
    expect(quantileEdges([5, 5, 5, 5], 4)).toEqual([5]);
    expect(binShares([1, 2, 3, 4], [3])).toEqual([0.5, 0.5]);
  });

  it('KS statistic by hand and Kolmogorov critical values', () => {
    // F_a reaches 1 at 4 while F_b is 2/6 there
    expect(ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6, 7, 8])?.d).toBeCloseTo(2 / 3, 12);
    expect(ksTwoSample([1, 2], [1, 2])?.d).toBe(0);
    // the tabulated asymptotic critical values: λ 1.358 ↔ 5%, 1.628 ↔ 1%
    expect(kolmogorovQ(1.3581)).toBeCloseTo(0.05, 3);
    expect(kolmogorovQ(1.6276)).toBeCloseTo(0.01, 3);
    expect(ksTwoSample([], [1])).toBeNull();
  });

  it('separates a shifted seeded stream from an unshifted one', () => {
    const rand = seededRandom(5);
    const draw = (shift: number) => Array.from({ length: 400 }, () => Math.min(1, Math.max(0, rand() * 0.6 + shift)));
    const ref = draw(0);
    const same = draw(0);
    const shifted = draw(0.15);
    expect(ksTwoSample(ref, same)!.pValue).toBeGreaterThan(0.05);
    expect(ksTwoSample(ref, shifted)!.pValue).toBeLessThan(1e-6);
    expect(psi(ref, same)!).toBeLessThan(0.1);
    expect(psi(ref, shifted)!).toBeGreaterThan(0.25);
  });
});
