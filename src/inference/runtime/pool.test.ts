import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelPackage } from '../models/model-package.ts';
import { makeTinyPackage, type TinyPackage } from '../testing/tiny-package.ts';
import { InferencePool } from './pool.ts';

const specOf = (onnxPath: string) => ({ id: 'tiny-cxr', onnxPath, inputName: 'image', outputNames: ['probs', 'cam', 'features'] });

describe('InferencePool on the tiny seeded model', () => {
  let tiny: TinyPackage;
  let pool: InferencePool;
  beforeAll(async () => {
    tiny = makeTinyPackage();
    const pkg = await loadModelPackage(tiny.dir);
    pool = await InferencePool.start({
      models: [specOf(pkg.onnxPath)],
      workers: 1,
      intraOpThreads: 1,
      maxBatch: 4,
      jobTimeoutMs: 2000,
      crashOnValue: -999,
      hangOnValue: -777,
    });
  });
  afterAll(async () => pool.close());

  const input = (): Float32Array => Float32Array.from(tiny.expected.input);
  const dims = (): number[] => [1, tiny.size, tiny.size];

  it('gives the outputs numpy computed for the fixed input (probs, cam, features)', async () => {
    const r = await pool.infer('tiny-cxr', dims(), input());
    expect(r.outputs.probs?.dims).toEqual([3]);
    expect(r.outputs.cam?.dims).toEqual([3, 4, 4]);
    expect(r.outputs.features?.dims).toEqual([4]);
    for (const [name, want] of Object.entries({ probs: tiny.expected.probs, cam: tiny.expected.cam, features: tiny.expected.features })) {
      const got = [...(r.outputs[name]?.data ?? [])];
      expect(got).toHaveLength(want.length);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? NaN, 5));
    }
  });

  it('batches concurrent jobs and splits the outputs back per image', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.infer('tiny-cxr', dims(), input())));
    expect(Math.max(...results.map((r) => r.batchSize))).toBeGreaterThan(1);
    for (const r of results)
      expect([...(r.outputs.probs?.data ?? [])].map((v) => v.toFixed(5))).toEqual(tiny.expected.probs.map((v) => v.toFixed(5)));
  });

  it('survives a job that kills its worker: only that job fails, the others in its batch succeed', async () => {
    const bad = input();
    bad[0] = -999;
    const jobs = [pool.infer('tiny-cxr', dims(), input()), pool.infer('tiny-cxr', dims(), bad), pool.infer('tiny-cxr', dims(), input())];
    const settled = await Promise.allSettled(jobs);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const after = await pool.infer('tiny-cxr', dims(), input());
    expect(after.outputs.probs?.data.length).toBe(3);
  });

  it('times out a stuck job with a timeout error and keeps serving', async () => {
    const stuck = input();
    stuck[0] = -777;
    await expect(pool.infer('tiny-cxr', dims(), stuck)).rejects.toMatchObject({ code: 'timeout' });
    const after = await pool.infer('tiny-cxr', dims(), input());
    expect(after.outputs.probs?.data.length).toBe(3);
  });

  it('rejects a wrongly shaped tensor without harming the pool', async () => {
    await expect(pool.infer('tiny-cxr', [1, 8, 8], new Float32Array(64))).rejects.toMatchObject({ code: 'internal' });
    await expect(pool.infer('nope', dims(), input())).rejects.toMatchObject({ code: 'not-found' });
    expect((await pool.infer('tiny-cxr', dims(), input())).outputs.features?.data.length).toBe(4);
  });
});
