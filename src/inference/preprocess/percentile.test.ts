import { describe, expect, it } from 'vitest';
import { percentiles } from './percentile.ts';

describe('percentiles (numpy linear interpolation)', () => {
  it('matches np.percentile on integers via the counting path', () => {
    // np.percentile([1, 2, 3, 4, 10], [0.5, 50, 99.5]) == [1.02, 3.0, 9.88]
    const [a, b, c] = percentiles(Float32Array.from([10, 3, 1, 4, 2]), [0.5, 50, 99.5]);
    expect(a).toBeCloseTo(1.02, 10);
    expect(b).toBe(3);
    expect(c).toBeCloseTo(9.88, 10);
  });

  it('matches np.percentile on non-integers via the sorting path', () => {
    // np.percentile([0.5, 0.25, 1.75, -2.5], [0.5, 25, 99.5]) == [-2.45875, -0.4375, 1.73125]
    const r = percentiles(Float32Array.from([0.5, 0.25, 1.75, -2.5]), [0.5, 25, 99.5]);
    expect(r[0]).toBeCloseTo(-2.45875, 5);
    expect(r[1]).toBeCloseTo(-0.4375, 5);
    expect(r[2]).toBeCloseTo(1.73125, 5);
  });
});
