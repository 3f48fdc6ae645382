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

/**
 * One study per fixture: a copy of `UNCOMPRESSED` with its own Study/Series/SOP Instance UIDs
 * (`uid`, `uid.1`, `uid.1.1`) and the tags under test (tag → [VR, value]). A new SOP Class UID
 * (0008,0016) is mirrored into the file meta information (0002,0002), as PS3.10 §7.1 requires.
 */
export function deriveStudy(name: string, uid: string, tags: Record<string, [string, string]>): { path: string; uid: string } {
  const path = derive(UNCOMPRESSED, `${name}.dcm`, (d, meta) => {
    setString(d, '0020000D', 'UI', uid);
    setString(d, '0020000E', 'UI', `${uid}.1`);
    setString(d, '00080018', 'UI', `${uid}.1.1`);
    setString(meta, '00020003', 'UI', `${uid}.1.1`);
    for (const [tag, [vr, value]] of Object.entries(tags)) {
      setString(d, tag, vr, value);
      if (tag === '00080016') setString(meta, '00020002', 'UI', value);
    }
  });
  return { path, uid };
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

/**
 * A JPEG 2000 lossless copy of an 8-bit sample: opj_compress (libopenjp2-tools; dcmtk has no
 * J2K encoder) on its pixels, wrapped by dcmjs, which splits the codestream into fragments
 * behind a filled basic offset table.
 */
export function jpeg2000Copy(sample: string, name: string): string {
  const parsed = readPart10(readFileSync(samplePath(sample)));
  const rows = Number(parsed.dict['00280010']?.Value?.[0]);
  const columns = Number(parsed.dict['00280011']?.Value?.[0]);
  const pgm = join(fixtureDir, `${name}.pgm`);
  const j2k = join(fixtureDir, `${name}.j2k`);
  writeFileSync(
    pgm,
    Buffer.concat([Buffer.from(`P5\n${columns} ${rows}\n255\n`), Buffer.from(pixelBytes(parsed.dict).subarray(0, rows * columns))]),
  );
  execFileSync('opj_compress', ['-i', pgm, '-o', j2k], { stdio: 'ignore' });
  const code = readFileSync(j2k);
  const even = Buffer.concat([code, Buffer.alloc(code.length % 2)]);
  return derive(sample, name, (d, meta) => {
    setString(meta, '00020010', 'UI', '1.2.840.10008.1.2.4.90');
    d['7FE00010'] = { vr: 'OB', Value: [even.buffer.slice(even.byteOffset, even.byteOffset + even.byteLength)] };
  });
}
