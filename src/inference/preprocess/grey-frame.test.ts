import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../dicom/pixels/decode.ts';
import { samplePath } from '../../../test/support/shared-data.ts';
import { JPEG_BASELINE, UNCOMPRESSED, dcmtk, derive, fixtureDir, pixelBytes, setString } from '../testing/dicom-fixtures.ts';
import { decodeGreyFrame } from './grey-frame.ts';

describe('decodeGreyFrame matches dicom/pixels decodeFrame bit for bit', () => {
  const plain = samplePath(UNCOMPRESSED);
  const signed12 = derive(UNCOMPRESSED, 'signed12.dcm', (d) => {
    const px = pixelBytes(d);
    const out = new Uint16Array(px.length);
    // 12-bit two's complement in 16 bits, with junk in the unused high bits
    for (let i = 0; i < px.length; i++) out[i] = (((px[i] ?? 0) * 15 - 1900) & 0xfff) | 0xa000;
    d['7FE00010'] = { vr: 'OW', Value: [out.buffer] };
    setString(d, '00280100', 'US', 16);
    setString(d, '00280101', 'US', 12);
    setString(d, '00280102', 'US', 11);
    setString(d, '00280103', 'US', 1);
    setString(d, '00281053', 'DS', '1.5');
    setString(d, '00281052', 'DS', '-1024');
  });
  const rle = join(fixtureDir, 'gf-rle.dcm');
  const bigEndian = join(fixtureDir, 'gf-be.dcm');
  dcmtk('dcmcrle', [plain, rle]);
  dcmtk('dcmconv', ['+tb', signed12, bigEndian]);

  for (const [name, path] of [['8-bit uncompressed', plain], ['JPEG baseline', samplePath(JPEG_BASELINE)], ['12-bit signed with rescale', signed12], ['RLE', rle], ['big endian 16-bit', bigEndian]] as const) {
    it(name, async () => {
      const bytes = readFileSync(path);
      const ours = await decodeGreyFrame(bytes);
      const reference = await decodeFrame(bytes);
      expect({ ...ours, values: null }).toEqual({ ...reference, values: null });
      expect(Buffer.from(ours.values.buffer).equals(Buffer.from(reference.values.buffer))).toBe(true);
    });
  }
});
