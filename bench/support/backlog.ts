/**
 * Inputs and probes shared by the load benchmarks: one-image chest X-ray studies derived from the
 * real shared samples (fresh UIDs, so none is a duplicate), dcmtk storescu runs, and reading the
 * server's Prometheus text.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DcmjsDicomDict, readPart10 } from '../../src/dicom/parse/dcmjs.ts';
import { JPEG_BASELINE, UNCOMPRESSED, setString } from '../../src/inference/testing/dicom-fixtures.ts';
import { acknowledgedCount, runDcmtk } from '../../test/support/dcmtk.ts';
import { testUid } from '../../test/support/dicom-gen.ts';
import { samplePath } from '../../test/support/shared-data.ts';

export { metricSum, metricValue } from '../../test/support/prometheus.ts';

/** Writes `count` one-image studies, alternately uncompressed DX and JPEG-baseline CR (1024²), into a new folder. */
export function writeStudies(
  count: number,
  prefix: string,
  edit?: (i: number, set: (tag: string, vr: string, value: string) => void) => void,
): { dir: string; studyUids: string[] } {
  const dir = mkdtempSync(join(tmpdir(), `rf-bench-${prefix}-`));
  const samples = [readFileSync(samplePath(UNCOMPRESSED)), readFileSync(samplePath(JPEG_BASELINE))];
  const studyUids: string[] = [];
  for (let i = 0; i < count; i++) {
    const parsed = readPart10(samples[i % 2] as Buffer);
    const uid = testUid();
    setString(parsed.dict, '0020000D', 'UI', uid);
    setString(parsed.dict, '0020000E', 'UI', `${uid}.1`);
    setString(parsed.dict, '00080018', 'UI', `${uid}.1.1`);
    setString(parsed.meta, '00020003', 'UI', `${uid}.1.1`);
    edit?.(i, (tag, vr, value) => setString(parsed.dict, tag, vr, value));
    // dcmjs reads native pixel data with the placeholder VR "ox"; write it as the standard's OW/OB.
    const px = parsed.dict['7FE00010'];
    if (px && px.vr === 'ox') px.vr = Number(parsed.dict['00280100']?.Value?.[0]) === 8 ? 'OB' : 'OW';
    const out = new DcmjsDicomDict(parsed.meta);
    out.dict = parsed.dict;
    writeFileSync(join(dir, `${prefix}-${String(i).padStart(5, '0')}.dcm`), Buffer.from(out.write()));
    studyUids.push(uid);
  }
  return { dir, studyUids };
}

/** storescu over one association (`-xy` proposes JPEG baseline too); acknowledged instances and seconds. */
export async function storescu(port: number, pathOrDir: string): Promise<{ seconds: number; acked: number; output: string }> {
  const t0 = performance.now();
  const r = await runDcmtk('storescu', ['-v', '-xy', '-aec', 'READFIRST', '+sd', '127.0.0.1', String(port), pathOrDir], 600_000);
  return { seconds: (performance.now() - t0) / 1000, acked: acknowledgedCount(r.stdout + r.stderr), output: r.stdout + r.stderr };
}

export async function scrape(httpPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
}

export function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
