import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDcmtk } from '../dcmtk.ts';
import { makeInstance } from '../dicom-gen.ts';
import { deepSequence, manyElements } from '../hostile-dicom.ts';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../server-process.ts';
import { serviceTokenForDataDir } from '../auth.ts';
import { allMigrations } from '../../../src/app/modules.ts';
import { buildMultipart } from '../../../src/dicom/dicomweb/multipart.ts';
import { openDb } from '../../../src/store/open.ts';
import { Rng, mutate } from './mutate.ts';

export interface FuzzReport {
  inputs: number;
  good: number;
  viaStow: number;
  viaDimse: number;
  crashes: number;
  hangs: number;
  http5xx: number;
  stored: number;
  quarantinedOrRefused: number;
  goodLost: number;
  peakRssMb: number;
  /** The slowest request: every one must finish well under the 10 s that counts as a hang. */
  slowestRequestMs: number;
}

const HANG_MS = 10_000;
/** storescu is killed after this long (a hang too): far beyond what 50 files take even on a loaded machine. */
const BATCH_LIMIT_MS = 300_000;

/** Requests storescu gave up on after its ACSE or DIMSE timeout (dcmtk's "timeout" conditions). */
export function unansweredRequests(storescuOutput: string): number {
  return storescuOutput.split('\n').filter((l) => /^[EF]: .*timeout/i.test(l)).length;
}

function peakRssMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : -1;
  } catch {
    return -1;
  }
}

/**
 * Sends `n` inputs (mutated and truncated files, with a good file every `goodEvery`) into a real
 * `readfirst serve` process, alternately as STOW-RS requests (batches of 20) and storescu
 * associations (batches of 50), then counts crashes (the process died), hangs (a request over 10 s),
 * 5xx answers, what was stored or refused, and good files that are not in the store afterwards.
 */
export async function fuzzIngest(opts: {
  n: number;
  seed: number;
  goodEvery?: number;
  log?: (s: string) => void;
  keepHungDir?: string;
}): Promise<FuzzReport> {
  const log = opts.log ?? (() => undefined);
  const rng = new Rng(opts.seed);
  const goodEvery = opts.goodEvery ?? 10;
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-fuzz-'));
  const scuDir = mkdtempSync(join(tmpdir(), 'rf-fuzz-scu-'));
  const emptyModels = mkdtempSync(join(tmpdir(), 'rf-fuzz-models-'));
  const hostile = [
    deepSequence(5_000),
    deepSequence(40),
    manyElements(3_000),
    Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]),
  ];
  const seeds = [makeInstance({ rows: 32, columns: 32 }).bytes, makeInstance({ rows: 17, columns: 23 }).bytes];
  const report: FuzzReport = {
    inputs: 0,
    good: 0,
    viaStow: 0,
    viaDimse: 0,
    crashes: 0,
    hangs: 0,
    http5xx: 0,
    stored: 0,
    quarantinedOrRefused: 0,
    goodLost: 0,
    peakRssMb: 0,
    slowestRequestMs: 0,
  };
  const goodSops: string[] = [];
  let server: ServerProcess | undefined;
  try {
    // No model: the fuzzer measures ingest, and analysis of the good files would only add CPU time.
    server = await startServerProcess({
      READFIRST_DATA_DIR: dataDir,
      READFIRST_DIMSE_ALLOWED_CALLING_AE_TITLES: 'FUZZ',
      READFIRST_LOG_LEVEL: 'error',
      READFIRST_INFERENCE_MODEL_DIRS: emptyModels,
    });
    const token = await serviceTokenForDataDir(dataDir);
    const base = `http://127.0.0.1:${server.httpPort}`;
    const next = (): Buffer => {
      report.inputs++;
      if (report.inputs % goodEvery === 0) {
        const g = makeInstance({ rows: 16 + rng.int(32), columns: 16 + rng.int(32) });
        goodSops.push(g.sopUid);
        report.good++;
        return g.bytes;
      }
      return mutate(seeds[rng.int(seeds.length)] ?? Buffer.alloc(0), rng, hostile).bytes;
    };
    let batch = 0;
    while (report.inputs < opts.n) {
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        report.crashes++;
        break;
      }
      const viaDimse = batch++ % 5 === 4;
      const size = Math.min(viaDimse ? 50 : 20, opts.n - report.inputs);
      const files = Array.from({ length: size }, next);
      const t0 = Date.now();
      if (viaDimse) {
        report.viaDimse += size;
        const dir = join(scuDir, `batch-${batch}`);
        mkdirSync(dir);
        files.forEach((f, i) => writeFileSync(join(dir, `${i}.dcm`), f));
        // storescu reads each file first and skips what it cannot parse: what it sends, the SCP must survive.
        // A hang is a request the SCP leaves unanswered for 10 s, timed by storescu itself (-ta, -td):
        // a wall-clock limit on the whole batch would also count storescu's own parsing, about 2.4 s
        // of CPU for each 5,000-deep sequence, which on a loaded machine overran a 30 s limit.
        const timeouts = ['-ta', String(HANG_MS / 1000), '-td', String(HANG_MS / 1000)];
        const r = await runDcmtk(
          'storescu',
          ['-v', ...timeouts, '-aet', 'FUZZ', '-aec', 'READFIRST', '-nh', '+sd', '127.0.0.1', String(server.dimsePort), dir],
          BATCH_LIMIT_MS,
        );
        const unanswered = unansweredRequests(r.stdout + r.stderr) + (r.code === -1 ? 1 : 0);
        if (unanswered > 0) {
          report.hangs += unanswered;
          // Keep the inputs of a hung association to reproduce it.
          if (opts.keepHungDir) {
            mkdirSync(opts.keepHungDir, { recursive: true });
            renameSync(dir, join(opts.keepHungDir, `batch-${batch}`));
          }
        }
        rmSync(dir, { recursive: true, force: true });
        report.stored += r.stdout
          .split('\n')
          .concat(r.stderr.split('\n'))
          .filter((l) => l.includes('Received Store Response (Success)')).length;
        report.quarantinedOrRefused += r.stdout
          .split('\n')
          .concat(r.stderr.split('\n'))
          .filter((l) => /Received Store Response \((?!Success)/.test(l)).length;
      } else {
        report.viaStow += size;
        const { boundary, body } = buildMultipart(files.map((f) => ({ contentType: 'application/dicom', body: f })));
        try {
          const res = await fetch(`${base}/dicom-web/studies`, {
            method: 'POST',
            headers: {
              'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
              authorization: `Bearer ${token}`,
            },
            body,
            signal: AbortSignal.timeout(HANG_MS),
          });
          if (res.status >= 500) report.http5xx++;
          const json = (await res.json()) as Record<string, { Value?: unknown[] }>;
          report.stored += json['00081199']?.Value?.length ?? 0;
          report.quarantinedOrRefused += json['00081198']?.Value?.length ?? 0;
        } catch (e) {
          if (e instanceof Error && e.name === 'TimeoutError') report.hangs++;
          else throw e;
        }
      }
      report.slowestRequestMs = Math.max(report.slowestRequestMs, Date.now() - t0);
      if (report.inputs % 1000 < size) log(`${report.inputs} inputs sent, stored ${report.stored}, refused ${report.quarantinedOrRefused}`);
    }
    if (server.child.exitCode !== null || server.child.signalCode !== null) report.crashes = Math.max(report.crashes, 1);
    report.peakRssMb = peakRssMb(server.child.pid);
    // Every good file must be in the store afterwards.
    const db = await openDb({ sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
    try {
      for (const sop of goodSops) {
        const rows = await db.query('SELECT 1 FROM dicom_instance WHERE sop_instance_uid = $1', [sop]);
        if (rows.length === 0) report.goodLost++;
      }
    } finally {
      await db.close();
    }
  } finally {
    if (server) await stopServerProcess(server);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scuDir, { recursive: true, force: true });
    rmSync(emptyModels, { recursive: true, force: true });
  }
  return report;
}
