import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../runtime/pool.ts';
import { loadModelPackage } from './model-package.ts';

/** The bundled package (models/readfirst-cxr), checked only when it is there. */
const dir = resolve(import.meta.dirname, '../../../models/readfirst-cxr');
const present = existsSync(join(dir, 'model.onnx'));

interface SmokeCheck {
  tolerance: number;
  inputs: { file: string; shape: number[]; probs: number[]; features?: number[] }[];
}

describe('bundled model package models/readfirst-cxr', () => {
  it('is present in the repository', () => expect(present).toBe(true));

  let pool: InferencePool | undefined;
  afterAll(async () => pool?.close());

  it('loads: valid card, sha256 matches model.onnx', async () => {
    const pkg = await loadModelPackage(dir);
    expect(pkg.card.id).toBe('readfirst-cxr');
  });

  it('ONNX Runtime in the worker pool reproduces the PyTorch outputs of smoke-check.json', async () => {
    const smokePath = join(dir, 'smoke-check.json');
    if (!existsSync(smokePath)) return;
    const pkg = await loadModelPackage(dir);
    const smoke = JSON.parse(readFileSync(smokePath, 'utf8')) as SmokeCheck;
    const c = pkg.card;
    const outputs = [c.outputs.probabilities, ...(c.outputs.features ? [c.outputs.features] : [])];
    pool = await InferencePool.start({ models: [{ id: c.id, onnxPath: pkg.onnxPath, inputName: c.input.name, outputNames: outputs }], workers: 1, intraOpThreads: 1, maxBatch: 4, jobTimeoutMs: 30_000 });
    for (const input of smoke.inputs) {
      const raw = readFileSync(join(dir, input.file));
      const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const r = await pool.infer(c.id, input.shape.slice(1), data);
      const probs = [...(r.outputs[c.outputs.probabilities]?.data ?? [])];
      expect(probs).toHaveLength(input.probs.length);
      probs.forEach((p, i) => expect(Math.abs(p - (input.probs[i] ?? NaN))).toBeLessThanOrEqual(smoke.tolerance));
    }
  });
});
