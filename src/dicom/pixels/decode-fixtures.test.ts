import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPart10 } from '../parse/dcmjs.ts';
import { samplePath } from '../../../test/support/shared-data.ts';
import { JPEG_BASELINE, UNCOMPRESSED, dcmtk, derive, fixtureDir, pixelBytes, setString } from '../../inference/testing/dicom-fixtures.ts';
import { decodeFrame } from './decode.ts';

/** The 8-bit stored pixels of a native file, as dcmtk or dcmjs wrote them. */
const storedPixels = (path: string): Uint8Array => pixelBytes(readPart10(readFileSync(path)).dict);

/** Exact float32 equality of every value, and the reported range. */
async function expectDecodesTo(path: string, want: Float32Array): Promise<void> {
  const f = await decodeFrame(readFileSync(path));
  expect(f.values.length).toBe(want.length);
  expect(Buffer.from(f.values.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  expect([f.min, f.max]).toEqual([want.reduce((a, b) => Math.min(a, b)), want.reduce((a, b) => Math.max(a, b))]);
}

describe('decodeFrame gives the modality values each fixture was built from', () => {
  const plain = samplePath(UNCOMPRESSED);
  const source = storedPixels(plain);
  // 12-bit two's complement in 16 bits, junk in the unused high bits, slope 1.5, intercept -1024.
  const toStored12 = (p: number): number => ((p * 15 - 1900) & 0xfff) | 0xa000;
  const modality12 = Float32Array.from(source, (p) => (p * 15 - 1900) * 1.5 - 1024);
  const signed12 = derive(UNCOMPRESSED, 'px-signed12.dcm', (d) => {
    d['7FE00010'] = { vr: 'OW', Value: [Uint16Array.from(pixelBytes(d), toStored12).buffer] };
    setString(d, '00280100', 'US', 16);
    setString(d, '00280101', 'US', 12);
    setString(d, '00280102', 'US', 11);
    setString(d, '00280103', 'US', 1);
    setString(d, '00281053', 'DS', '1.5');
    setString(d, '00281052', 'DS', '-1024');
  });

  it('8-bit uncompressed: the stored bytes', async () => {
    await expectDecodesTo(plain, Float32Array.from(source));
  });

  it('JPEG baseline: the pixels dcmtk dcmdjpeg decodes', async () => {
    const out = join(fixtureDir, 'px-dcmdjpeg.dcm');
    dcmtk('dcmdjpeg', [samplePath(JPEG_BASELINE), out]);
    await expectDecodesTo(samplePath(JPEG_BASELINE), Float32Array.from(storedPixels(out)));
  });

  it('12-bit signed with rescale: masked, sign-extended, rescaled', async () => {
    await expectDecodesTo(signed12, modality12);
  });

  it('RLE (dcmtk dcmcrle): the source pixels', async () => {
    const rle = join(fixtureDir, 'px-rle.dcm');
    dcmtk('dcmcrle', [plain, rle]);
    await expectDecodesTo(rle, Float32Array.from(source));
  });

  it('big-endian 16-bit (dcmtk dcmconv +tb): the same values as little-endian', async () => {
    const be = join(fixtureDir, 'px-be.dcm');
    dcmtk('dcmconv', ['+tb', signed12, be]);
    await expectDecodesTo(be, modality12);
  });
});
