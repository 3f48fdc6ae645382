import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcmjsDicomDict, type DcmjsDict, readPart10 } from '../../dicom/parse/dcmjs.ts';
import { samplePath } from '../../../test/support/shared-data.ts';

/** Test DICOM files derived from the real shared samples, written to a temporary folder. */
export const fixtureDir = mkdtempSync(join(tmpdir(), 'rf-inference-dcm-'));

export const UNCOMPRESSED = 'nccid-dx-uncompressed.dcm';
export const JPEG_BASELINE = 'siim-cr-jpeg-baseline.dcm';

/** Rewrites a sample: `edit` changes the dataset (and may replace the pixel data). */
export function derive(sample: string, name: string, edit: (dict: DcmjsDict, meta: DcmjsDict) => void): string {
  const parsed = readPart10(readFileSync(samplePath(sample)));
  edit(parsed.dict, parsed.meta);
  const out = new DcmjsDicomDict(parsed.meta);
  out.dict = parsed.dict;
  const path = join(fixtureDir, name);
  writeFileSync(path, Buffer.from(out.write()));
  return path;
}

export function pixelBytes(dict: DcmjsDict): Uint8Array {
  const v = dict['7FE00010']?.Value?.[0];
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new Error('no native pixel data');
}

export function setString(dict: DcmjsDict, tag: string, vr: string, value: string | number | string[]): void {
  dict[tag] = { vr, Value: Array.isArray(value) ? value : [value] };
}

/** Runs a dcmtk tool (TCP_NODELAY is irrelevant for file tools). */
export function dcmtk(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
