import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPart10 } from '../parse/dcmjs.ts';
import { samplePath } from '../../../test/support/shared-data.ts';
import { UNCOMPRESSED, dcmtk, derive, fixtureDir, pixelBytes, setString } from '../../inference/testing/dicom-fixtures.ts';
import { decodeFrame } from './decode.ts';

const pixelValues = (path: string): unknown[] => readPart10(readFileSync(path)).dict['7FE00010']?.Value ?? [];

async function expectFrame(path: string, frame: number, want: Uint8Array): Promise<void> {
  const f = await decodeFrame(readFileSync(path), frame);
  expect(Buffer.from(f.values.buffer).equals(Buffer.from(Float32Array.from(want).buffer))).toBe(true);
}

/** JPEG lossless (dcmcjpeg +e1) with 16 kB fragments (PS3.5 A.4): each 1024² frame spans several. */
function jpegLossless(src: string, name: string, offsetTable: '+ot' | '-ot'): string {
  const out = join(fixtureDir, name);
  dcmtk('dcmcjpeg', ['+e1', '+fs', '16', offsetTable, src, out]);
  return out;
}

describe('encapsulated frames split into several fragments', () => {
  const plain = samplePath(UNCOMPRESSED);
  const source = pixelBytes(readPart10(readFileSync(plain)).dict);
  const inverted = source.map((p) => 255 - p);

  it('single frame, filled offset table: the fragments of the frame are joined', async () => {
    const path = jpegLossless(plain, 'frag-bot.dcm', '+ot');
    const values = pixelValues(path);
    expect(values).toHaveLength(1);
    expect(Array.isArray(values[0]) && values[0].length).toBeGreaterThan(1);
    await expectFrame(path, 0, source);
  });

  it('single frame, empty offset table: every fragment is joined', async () => {
    const path = jpegLossless(plain, 'frag-nobot.dcm', '-ot');
    expect(pixelValues(path).length).toBeGreaterThan(1);
    await expectFrame(path, 0, source);
  });

  it('two frames, filled offset table: each frame from its own fragments', async () => {
    const twoFrames = derive(UNCOMPRESSED, 'two-frames.dcm', (d) => {
      const both = new Uint8Array(source.length * 2);
      both.set(source);
      both.set(inverted, source.length);
      d['7FE00010'] = { vr: 'OB', Value: [both.buffer] };
      setString(d, '00280008', 'IS', '2');
    });
    const path = jpegLossless(twoFrames, 'frag-two.dcm', '+ot');
    const values = pixelValues(path);
    expect(values).toHaveLength(2);
    expect(values.every((v) => Array.isArray(v) && v.length > 1)).toBe(true);
    await expectFrame(path, 0, source);
    await expectFrame(path, 1, inverted);
  });
});
