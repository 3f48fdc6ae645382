import { describe, expect, it } from 'vitest';
import { aggregate } from './score-volume.ts';
import { SlabBuilder, resizePlane } from './slab.ts';
import { CT_WINDOW_PRESETS, applyWindow, bodyMaskStats, normalizeMr, resolveWindow } from './windows.ts';

describe('2.5D slabs', () => {
  it('stacks each slice with its neighbours, repeating the first and last at the edges, holding only 2k+1 slices', () => {
    const total = 5;
    const b = new SlabBuilder(1, 1, 2, total);
    const slabs = [];
    for (let i = 0; i < total; i++) slabs.push(...b.push(new Float32Array([i, i + 0.5])));
    expect(slabs.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
    // slab i = [slice i-1, slice i, slice i+1], two values each
    expect(Array.from(slabs[0]?.data ?? [])).toEqual([0, 0.5, 0, 0.5, 1, 1.5]);
    expect(Array.from(slabs[2]?.data ?? [])).toEqual([1, 1.5, 2, 2.5, 3, 3.5]);
    expect(Array.from(slabs[4]?.data ?? [])).toEqual([3, 3.5, 4, 4.5, 4, 4.5]);
  });

  it('emits a slab as soon as its last neighbour arrives (streaming), and the rest at the end', () => {
    const b = new SlabBuilder(2, 1, 1, 4);
    expect(b.push(new Float32Array([0]))).toHaveLength(0);
    expect(b.push(new Float32Array([1]))).toHaveLength(0);
    expect(b.push(new Float32Array([2])).map((s) => s.index)).toEqual([0]);
    expect(b.push(new Float32Array([3])).map((s) => s.index)).toEqual([1, 2, 3]);
  });

  it('with no context, a slab is its own slice with its window channels', () => {
    const b = new SlabBuilder(0, 2, 1, 1);
    expect(Array.from(b.push(new Float32Array([0.25, 0.75]))[0]?.data ?? [])).toEqual([0.25, 0.75]);
  });

  it('resizes a plane bilinearly, keeping a constant plane constant and the mean of a ramp', () => {
    const flat = resizePlane(new Float32Array(16).fill(3), 4, 4, 2, 2);
    expect(Array.from(flat)).toEqual([3, 3, 3, 3]);
    const ramp = resizePlane(
      Float32Array.from({ length: 16 }, (_, i) => i % 4),
      4,
      4,
      2,
      2,
    );
    expect(Array.from(ramp)).toEqual([0.5, 2.5, 0.5, 2.5]);
  });
});

describe('windows and normalisation', () => {
  it('maps HU through a window to [0, 1], clamping outside it (brain 40/80: 0 HU → 0, 40 → 0.5, 80 → 1)', () => {
    const w = resolveWindow('brain');
    expect(Array.from(applyWindow(Float32Array.from([-1000, 0, 40, 60, 80, 3000]), w))).toEqual([0, 0, 0.5, 0.75, 1, 1]);
    expect(resolveWindow({ name: 'custom', center: 0, width: 2 })).toEqual({ name: 'custom', center: 0, width: 2 });
    expect(() => resolveWindow('nonsense')).toThrow(/unknown window preset "nonsense"/);
    expect(CT_WINDOW_PRESETS.lung).toEqual({ name: 'lung', center: -600, width: 1500 });
  });

  it('normalises MR inside the body mask: air does not move the statistics', () => {
    const body = Float32Array.from({ length: 1000 }, (_, i) => 100 + (i % 100));
    const withAir = Float32Array.from([...Array.from({ length: 4000 }, () => 0), ...body]);
    const a = bodyMaskStats(body);
    const b = bodyMaskStats(withAir);
    expect(b.mean).toBeCloseTo(a.mean, 6);
    expect(b.low).toBe(a.low);
    expect(b.high).toBe(a.high);
    const z = normalizeMr(body, { type: 'z-score' }, a);
    expect(z.reduce((s, v) => s + v, 0) / z.length).toBeCloseTo(0, 5);
    const p = normalizeMr(Float32Array.from([a.low, a.high, 0]), { type: 'percentile', low: 1, high: 99 }, a);
    expect(Array.from(p)).toEqual([0, 1, 0]);
  });
});

describe('aggregation of slice scores', () => {
  it('max gives the top slice; top-k-mean the mean of the k highest and those slices', () => {
    const probs = [0.1, 0.9, 0.3, 0.8, 0.2];
    expect(aggregate(probs, { method: 'max', k: 3 })).toEqual({ probability: 0.9, slices: [1] });
    const top = aggregate(probs, { method: 'top-k-mean', k: 2 });
    expect(top.probability).toBeCloseTo(0.85, 10);
    expect(top.slices).toEqual([1, 3]);
    expect(aggregate([], { method: 'max', k: 1 }).slices).toEqual([]);
  });
});
