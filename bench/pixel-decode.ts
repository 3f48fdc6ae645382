/**
 * Micro-benchmark of dicom/pixels decodeFrame, printed by `npm run bench -- inference`: whole
 * decode (parse, frame bytes, codec, Modality LUT) and the Modality LUT pass alone, on 1024²
 * frames. The pass read each pixel through a DataView until the two decoders became one.
 */
import { readFileSync } from 'node:fs';
import { readPart10 } from '../src/dicom/parse/dcmjs.ts';
import { decodeFrame } from '../src/dicom/pixels/decode.ts';
import { modalityValues } from '../src/dicom/pixels/modality-lut.ts';
import { JPEG_BASELINE, UNCOMPRESSED, derive, pixelBytes, setString } from '../src/inference/testing/dicom-fixtures.ts';
import { samplePath } from '../test/support/shared-data.ts';

async function msPer(run: () => unknown, n = 20): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await run();
  return (performance.now() - t0) / n;
}

/** A 12-bit signed, rescaled copy of the 8-bit sample (16 bits allocated). */
function twelveBit(): string {
  return derive(UNCOMPRESSED, 'bench-12bit.dcm', (d) => {
    d['7FE00010'] = { vr: 'OW', Value: [Uint16Array.from(pixelBytes(d), (p) => (p * 15 - 1900) & 0xfff).buffer] };
    setString(d, '00280100', 'US', 16);
    setString(d, '00280101', 'US', 12);
    setString(d, '00280103', 'US', 1);
    setString(d, '00281053', 'DS', '1.5');
    setString(d, '00281052', 'DS', '-1024');
  });
}

export async function printDecodeBench(): Promise<void> {
  const files: [string, string][] = [
    ['8-bit native', samplePath(UNCOMPRESSED)],
    ['12-bit signed, rescaled', twelveBit()],
    ['JPEG baseline', samplePath(JPEG_BASELINE)],
  ];
  const cells: string[] = [];
  for (const [name, path] of files) {
    const bytes = readFileSync(path);
    cells.push(`${name} ${(await msPer(() => decodeFrame(bytes))).toFixed(1)} ms`);
  }
  const raw = pixelBytes(readPart10(readFileSync(files[1]![1])).dict).slice(); // aligned, as decoded frames are
  const layout = { count: 1024 * 1024, bitsAllocated: 16, bitsStored: 12, signed: true, bigEndian: false } as const;
  const lut = await msPer(() => modalityValues(raw, layout, 1.5, -1024), 50);
  process.stdout.write(`decodeFrame per 1024² frame: ${cells.join(', ')}; Modality LUT pass alone (12-bit) ${lut.toFixed(2)} ms\n\n`);
}
