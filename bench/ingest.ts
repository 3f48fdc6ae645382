/**
 * `npm run bench -- ingest [N]`: the same N generated DX files go through dcmtk storescu (one
 * association) to readfirst and to Orthanc (Debian package, temporary config, loopback ports,
 * stopped by PID). Prints instances/s for both, their ratio, and instances lost (acknowledged
 * but not queryable afterwards). Target: ≥1.5× Orthanc with 0 lost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { acknowledgedCount, runDcmtk } from '../test/support/dcmtk.ts';
import { makeInstance, testUid } from '../test/support/dicom-gen.ts';
import { bearer, serviceTokenForDataDir } from '../test/support/auth.ts';
import { startOrthanc } from '../test/support/orthanc.ts';
import { startServerProcess, stopServerProcess } from '../test/support/server-process.ts';

interface Run {
  seconds: number;
  acked: number;
  found: number;
}

async function storescu(port: number, aec: string, dir: string): Promise<{ seconds: number; acked: number }> {
  const t0 = performance.now();
  const r = await runDcmtk('storescu', ['-v', '-aec', aec, '+sd', '127.0.0.1', String(port), dir], 600_000);
  return { seconds: (performance.now() - t0) / 1000, acked: acknowledgedCount(r.stdout + r.stderr) };
}

async function benchReadfirst(dir: string, studyUid: string): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-bench-rf-'));
  // DICOMweb needs sign-in: a read token, issued before the server holds the data directory.
  const token = await serviceTokenForDataDir(dataDir, ['dicomweb:read']);
  const server = await startServerProcess({ READFIRST_DATA_DIR: dataDir });
  try {
    const s = await storescu(server.dimsePort, 'READFIRST', dir);
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/dicom-web/studies/${studyUid}/instances?limit=100000`, {
      headers: bearer(token),
    });
    if (!res.ok) throw new Error(`QIDO-RS answered ${res.status}`);
    return { ...s, found: ((await res.json()) as unknown[]).length };
  } finally {
    await stopServerProcess(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The baseline: Orthanc on loopback (test/support/orthanc.ts), without plugins, as a bare store SCP. */
async function benchOrthanc(dir: string): Promise<Run> {
  const orthanc = await startOrthanc({ Name: 'readfirst-bench', Plugins: [] });
  try {
    const s = await storescu(orthanc.dicomPort, 'ORTHANC', dir);
    const stats = (await (await fetch(`${orthanc.url}/statistics`)).json()) as { CountInstances: number };
    return { ...s, found: stats.CountInstances };
  } finally {
    await orthanc.stop();
  }
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 500);
  const size = Number(args[1] ?? 256);
  const dir = mkdtempSync(join(tmpdir(), 'rf-bench-in-'));
  const studyUid = testUid();
  const seriesUid = testUid();
  let bytes = 0;
  for (let i = 1; i <= n; i++) {
    const x = makeInstance({ studyUid, seriesUid, instanceNumber: i, rows: size, columns: size });
    bytes += x.bytes.length;
    writeFileSync(join(dir, `f${i}.dcm`), x.bytes);
  }
  process.stdout.write(
    `ingest bench: ${n} files of ${size}x${size} 16-bit (${(bytes / n / 1024).toFixed(0)} KiB each), storescu, one association\n`,
  );
  try {
    const orthanc = await benchOrthanc(dir);
    const rf = await benchReadfirst(dir, studyUid);
    const rate = (r: Run): number => r.acked / r.seconds;
    const line = (name: string, r: Run): string =>
      `${name.padEnd(10)} ${rate(r).toFixed(1).padStart(8)} instances/s  (${r.seconds.toFixed(2)} s, ${r.acked}/${n} acknowledged, ${r.found} queryable, lost ${Math.max(0, r.acked - r.found)})\n`;
    process.stdout.write(line('readfirst', rf));
    process.stdout.write(line('orthanc', orthanc));
    process.stdout.write(
      `ratio readfirst/orthanc: ${(rate(rf) / rate(orthanc)).toFixed(2)}x (target >= 1.5x), readfirst lost: ${Math.max(0, rf.acked - rf.found)} (target 0)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
