// The ONNX export must give the same outputs in onnxruntime-node as in PyTorch (within 1e-4).
// 1) The bundled package models/readfirst-cxr: its smoke-check.json holds PyTorch outputs for fixed inputs.
// 2) The training pipeline's --smoke mode (needs /usr/bin/python3 with torch and ../shared/data): runs
//    data -> cache -> one epoch -> export into a temp dir, then checks that ONNX the same way.
import { describe, it, expect } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

interface SmokeInput {
  file: string;
  shape: number[];
  probs: number[];
  features: number[];
  camShape: number[];
  camSum: number[];
  cam00: number[];
}

const repo = path.resolve(import.meta.dirname, '..');
const bundled = path.join(repo, 'models', 'readfirst-cxr');
const dataDir = process.env.READFIRST_DATA_DIR ?? path.resolve(repo, '..', 'shared', 'data');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return m;
}

async function checkPackage(dir: string): Promise<void> {
  const card = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    sha256: string;
    findings: unknown[];
  };
  const onnxBytes = readFileSync(path.join(dir, 'model.onnx'));
  expect(createHash('sha256').update(onnxBytes).digest('hex')).toBe(card.sha256);
  const check = JSON.parse(readFileSync(path.join(dir, 'smoke-check.json'), 'utf8')) as {
    inputs: SmokeInput[];
  };
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
    intraOpNumThreads: 2,
  });
  expect(session.inputNames).toEqual(['image']);
  expect(session.outputNames).toEqual(['probs', 'cam', 'features']);
  expect(check.inputs.length).toBeGreaterThan(0);
  for (const inp of check.inputs) {
    const buf = readFileSync(path.join(dir, inp.file));
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const out = await session.run({ image: new ort.Tensor('float32', data, inp.shape) });
    const probs = out['probs'];
    const cam = out['cam'];
    const features = out['features'];
    if (!probs || !cam || !features) throw new Error('missing output');
    expect(probs.dims).toEqual([1, card.findings.length]);
    expect(cam.dims).toEqual(inp.camShape);
    expect(maxAbsDiff(probs.data as Float32Array, inp.probs)).toBeLessThan(1e-4);
    const f = features.data as Float32Array;
    // features and CAMs are unbounded: compare relative to their scale
    const fScale = Math.max(1, ...inp.features.map(Math.abs));
    expect(maxAbsDiff(f, inp.features) / fScale).toBeLessThan(1e-4);
    const c = cam.data as Float32Array;
    const [, k = 0, h = 0, w = 0] = cam.dims;
    const sums: number[] = [];
    const c00: number[] = [];
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < h * w; i++) s += c[j * h * w + i] ?? 0;
      sums.push(s);
      c00.push(c[j * h * w] ?? 0);
    }
    const cScale = Math.max(1, ...inp.camSum.map(Math.abs));
    expect(maxAbsDiff(sums, inp.camSum) / cScale).toBeLessThan(1e-4);
    expect(maxAbsDiff(c00, inp.cam00) / Math.max(1, ...inp.cam00.map(Math.abs))).toBeLessThan(1e-4);
  }
}

function hasTorch(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  return r.status === 0;
}

describe('readfirst-cxr ONNX export', () => {
  it('bundled package: sha256 matches and onnxruntime-node reproduces PyTorch outputs', async () => {
    expect(existsSync(path.join(bundled, 'smoke-check.json')), 'models/readfirst-cxr/smoke-check.json is missing').toBe(true);
    await checkPackage(bundled);
  });

  // CI installs python3-torch and has ../shared: a missing prerequisite fails, it never skips.
  it('training --smoke: data to ONNX, same predictions in onnxruntime-node as in PyTorch', async () => {
    expect(hasTorch(), '/usr/bin/python3 lacks torch/onnx: apt-get install python3-torch python3-torchvision python3-onnx').toBe(true);
    expect(existsSync(path.join(dataDir, 'nih-cxr14-1000-64px', 'labels.csv')), `no smoke data under ${dataDir}`).toBe(true);
    const out = mkdtempSync(path.join(tmpdir(), 'readfirst-smoke-'));
    const cache = mkdtempSync(path.join(tmpdir(), 'readfirst-smoke-cache-'));
    try {
      // async, so the blocked worker does not lose vitest's RPC heartbeat on a busy machine
      await new Promise<void>((done, fail) => {
        execFile(
          '/usr/bin/python3',
          ['-m', 'training.run', '--smoke', '--data', dataDir, '--out', out, '--cache', cache],
          { cwd: repo, encoding: 'utf8', timeout: 170_000, maxBuffer: 16 << 20 },
          (err, stdout, stderr) => {
            if (err) fail(new Error(`smoke training failed: ${stderr}\n${stdout}`));
            else done();
          },
        );
      });
      for (const f of ['model.onnx', 'model.json', 'dataset-card.json', 'reliability.png']) {
        expect(existsSync(path.join(out, f))).toBe(true);
      }
      await checkPackage(out);
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  }, 180_000);
});
