import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../dicom/pixels/decode.ts';
import { samplePath } from '../../../test/support/shared-data.ts';
import { JPEG_BASELINE, UNCOMPRESSED, dcmtk, derive, fixtureDir, jpeg2000Copy, pixelBytes, setString } from '../testing/dicom-fixtures.ts';
import type { InputSpec } from '../models/model-card.ts';
import { dicomToUnitImage } from './dicom-input.ts';
import { readImageMeta } from './image-meta.ts';
import { toModelInput } from './prepare.ts';
import { UNIT } from './window.ts';

const spec: InputSpec = {
  name: 'image',
  channels: 1,
  height: 224,
  width: 224,
  resize: 'letterbox',
  window: 'dicom-voi-else-percentile',
  percentiles: [0.5, 99.5],
  scale: 'unit',
  normalization: { type: 'fixed', mean: 0.5, std: 0.25 },
};

async function tensorOf(path: string): Promise<Float32Array> {
  const bytes = readFileSync(path);
  return (await toModelInput(await dicomToUnitImage(bytes, readImageMeta(bytes), spec.window), spec)).tensor;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}

describe('DICOM → tensor on real chest X-rays', () => {
  const plain = samplePath(UNCOMPRESSED);

  it('reads the header tags routing and the gate need', () => {
    const m = readImageMeta(readFileSync(samplePath(JPEG_BASELINE)));
    expect(m).toMatchObject({
      modality: 'CR',
      bodyPart: 'CHEST',
      viewPosition: 'PA',
      rows: 1024,
      columns: 1024,
      transferSyntaxUid: '1.2.840.10008.1.2.4.50',
    });
  });

  it('letterboxes to the card size and normalises with the card mean/std', async () => {
    const t = await tensorOf(plain);
    expect(t.length).toBe(224 * 224);
    const min = t.reduce((a, b) => Math.min(a, b), Infinity);
    const max = t.reduce((a, b) => Math.max(a, b), -Infinity);
    expect(min).toBeCloseTo((0 - 0.5) / 0.25, 3);
    expect(max).toBeGreaterThan(1.5);
    expect(max).toBeLessThanOrEqual((1 - 0.5) / 0.25 + 1e-6);
  });

  it('gives the same tensor for a MONOCHROME1 twin (inverted stored values) after inversion', async () => {
    const twin = derive(UNCOMPRESSED, 'mono1.dcm', (d) => {
      const px = pixelBytes(d);
      for (let i = 0; i < px.length; i++) px[i] = 255 - (px[i] ?? 0);
      setString(d, '00280004', 'CS', 'MONOCHROME1');
    });
    expect(readImageMeta(readFileSync(twin)).photometric).toBe('MONOCHROME1');
    expect(maxAbsDiff(await tensorOf(plain), await tensorOf(twin))).toBeLessThan(1e-4);
  });

  it('JPEG lossless and RLE copies give the identical tensor; JPEG baseline stays within 0.02 mean / 0.25 max (normalised units)', async () => {
    const base = await tensorOf(plain);
    const lossless = join(fixtureDir, 'lossless.dcm');
    const rle = join(fixtureDir, 'rle.dcm');
    const lossy = join(fixtureDir, 'baseline.dcm');
    dcmtk('dcmcjpeg', ['+e1', plain, lossless]);
    dcmtk('dcmcrle', [plain, rle]);
    dcmtk('dcmcjpeg', ['+eb', '+q', '90', plain, lossy]);
    expect(readImageMeta(readFileSync(lossless)).transferSyntaxUid).toBe('1.2.840.10008.1.2.4.70');
    expect(readImageMeta(readFileSync(rle)).transferSyntaxUid).toBe('1.2.840.10008.1.2.5');
    expect(readImageMeta(readFileSync(lossy)).transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
    expect(maxAbsDiff(base, await tensorOf(lossless))).toBe(0);
    expect(maxAbsDiff(base, await tensorOf(rle))).toBe(0);
    const jpeg = await tensorOf(lossy);
    expect(meanAbsDiff(base, jpeg)).toBeLessThan(0.02);
    expect(maxAbsDiff(base, jpeg)).toBeLessThan(0.25);
  });

  it('a JPEG 2000 lossless copy, its codestream split into fragments behind an offset table, gives the identical tensor', async () => {
    const j2k = jpeg2000Copy(UNCOMPRESSED, 'j2k.dcm');
    expect(readImageMeta(readFileSync(j2k)).transferSyntaxUid).toBe('1.2.840.10008.1.2.4.90');
    expect(maxAbsDiff(await tensorOf(plain), await tensorOf(j2k))).toBe(0);
  });

  it('a JPEG baseline file from a real modality gives the same tensor as its dcmdjpeg copy', async () => {
    const src = samplePath(JPEG_BASELINE);
    const out = join(fixtureDir, 'siim-plain.dcm');
    dcmtk('dcmdjpeg', [src, out]);
    expect(maxAbsDiff(await tensorOf(src), await tensorOf(out))).toBe(0);
  });

  it('applies the rescale (Modality LUT) and the window centre/width on 12-bit data', async () => {
    // stored = 8-bit value × 15 + 100 in 12 bits; slope 0.25, intercept -25 → modality = 3.75 v; window 400/800.
    const original = await decodeFrame(readFileSync(plain));
    const twelve = derive(UNCOMPRESSED, 'twelve.dcm', (d) => {
      const px = pixelBytes(d);
      const out = new Uint16Array(px.length);
      for (let i = 0; i < px.length; i++) out[i] = (px[i] ?? 0) * 15 + 100;
      d['7FE00010'] = { vr: 'OW', Value: [out.buffer] };
      setString(d, '00280100', 'US', 16);
      setString(d, '00280101', 'US', 12);
      setString(d, '00280102', 'US', 11);
      setString(d, '00281053', 'DS', '0.25');
      setString(d, '00281052', 'DS', '-25');
      setString(d, '00281050', 'DS', '400');
      setString(d, '00281051', 'DS', '800');
    });
    const bytes = readFileSync(twelve);
    const unit = await dicomToUnitImage(bytes, readImageMeta(bytes), spec.window);
    expect(unit.window).toEqual({ kind: 'window', center: 400, width: 800, function: 'LINEAR' });
    for (const i of [0, 1000, 300_000, 524_800, 1_048_575]) {
      const v = 3.75 * (original.values[i] ?? 0);
      const want = Math.min(1, Math.max(0, (v - 399.5) / 799 + 0.5));
      expect((unit.data[i] ?? NaN) / UNIT).toBeCloseTo(want, 4);
    }
    // Without the window the same file falls back to the percentile window: the 8-bit original's tensor.
    const viaPercentile = await dicomToUnitImage(bytes, readImageMeta(bytes), 'percentile');
    const plainBytes = readFileSync(plain);
    const plainUnit = await dicomToUnitImage(plainBytes, readImageMeta(plainBytes), 'percentile');
    expect(viaPercentile.window).toEqual({ kind: 'percentile', lo: 52.5, hi: 907.5 });
    expect(plainUnit.window).toEqual({ kind: 'percentile', lo: 14, hi: 242 });
    // same window up to float rounding: at most 1 in 65535
    expect(maxAbsDiff(Float32Array.from(viaPercentile.data), Float32Array.from(plainUnit.data))).toBeLessThanOrEqual(1);
  });

  it('refuses an unsupported transfer syntax with "unsupported transfer syntax X"', async () => {
    const mpeg = derive(UNCOMPRESSED, 'mpeg2.dcm', (_d, meta) => setString(meta, '00020010', 'UI', '1.2.840.10008.1.2.4.100'));
    const bytes = readFileSync(mpeg);
    await expect(dicomToUnitImage(bytes, readImageMeta(bytes), spec.window)).rejects.toMatchObject({
      code: 'not-analysable',
      message: 'unsupported transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile)',
      details: { reason: 'unsupported-transfer-syntax' },
    });
  });
});
