import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samplePath } from '../../../test/support/shared-data.ts';
import { decodeFrame } from './decode.ts';
import { toDisplay8 } from './voi.ts';

describe('decodeFrame', () => {
  it('decodes JPEG baseline bit-exactly against dcmtk dcmdjpeg', async () => {
    const src = samplePath('siim-cr-jpeg-baseline.dcm');
    const out = join(mkdtempSync(join(tmpdir(), 'rf-dec-')), 'plain.dcm');
    execFileSync('dcmdjpeg', [src, out]);
    const jpeg = await decodeFrame(readFileSync(src));
    const plain = await decodeFrame(readFileSync(out));
    expect(jpeg.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
    expect([jpeg.rows, jpeg.columns]).toEqual([plain.rows, plain.columns]);
    expect(Buffer.from(jpeg.values.buffer).equals(Buffer.from(plain.values.buffer))).toBe(true);
  });

  it('decodes an uncompressed 16-bit image with rescale and window', async () => {
    const f = await decodeFrame(readFileSync(samplePath('nccid-dx-uncompressed.dcm')));
    expect(f.values.length).toBe(f.rows * f.columns);
    expect(f.max).toBeGreaterThan(f.min);
    const d = toDisplay8(f);
    expect(d.some((v) => v > 200)).toBe(true);
    expect(d.some((v) => v < 50)).toBe(true);
  });

  it('inverts MONOCHROME1 for display', () => {
    const base = {
      rows: 1,
      columns: 2,
      values: Float32Array.from([0, 100]),
      bitsAllocated: 16,
      bitsStored: 12,
      pixelRepresentation: 0 as const,
      rescale: { slope: 1, intercept: 0 },
      window: { center: 50, width: 100 },
      voiLutFunction: 'LINEAR',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      numberOfFrames: 1,
      min: 0,
      max: 100,
    };
    expect([...toDisplay8({ ...base, photometric: 'MONOCHROME2' })]).toEqual([0, 255]);
    expect([...toDisplay8({ ...base, photometric: 'MONOCHROME1' })]).toEqual([255, 0]);
  });
});
