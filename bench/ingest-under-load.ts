/**
 * `npm run bench -- ingest-under-load [--probe N] [--backlog N] [--cpu-prof DIR]`
 *
 * Does ingest stay fast while the AI works? The same N generated DX files (256², one study) go
 * through dcmtk storescu twice, each time into a fresh `readfirst serve` process with the default
 * configuration and the bundled model:
 *   1. idle: nothing else to do;
 *   2. loaded: first a backlog of one-image chest X-ray studies (real samples with fresh UIDs,
 *      alternately uncompressed and JPEG baseline, 1024²) is sent, and once their analysis is under
 *      way the probe files are sent while it runs.
 * Prints both rates, their ratio (target ≥ 0.8), the server's event-loop lag p99
 * (`readfirst_event_loop_lag_seconds`), whether the backlog was still being analysed when the
 * probe ended, and the lost count (acknowledged but not queryable; target 0).
 * `--cpu-prof DIR` writes a V8 CPU profile of the loaded server into DIR (see `--cpu-prof` in Node).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeInstance, testUid } from '../test/support/dicom-gen.ts';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../test/support/server-process.ts';
import { metricSum, metricValue, scrape, sleep, storescu, writeStudies } from './support/backlog.ts';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function stringOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function queryable(server: ServerProcess, studyUid: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/dicom-web/studies/${studyUid}/instances?limit=100000`);
  return res.ok ? ((await res.json()) as unknown[]).length : 0;
}

async function studiesQueryable(server: ServerProcess): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/dicom-web/studies?limit=100000`);
  return res.ok ? ((await res.json()) as unknown[]).length : 0;
}

/** Analysis progress as the server reports it; `undefined` where the metrics do not exist. */
function analysisOf(text: string): { analysed: number; queued: number | undefined } {
  return { analysed: metricSum(text, 'readfirst_inference_images_total'), queued: metricValue(text, 'readfirst_analysis_queue_depth') };
}

export async function main(args: string[]): Promise<void> {
  const n = option(args, 'probe', 200);
  const backlogCount = option(args, 'backlog', 240);
  const profileDir = stringOption(args, 'cpu-prof');
  const probeDir = mkdtempSync(join(tmpdir(), 'rf-bench-probe-'));
  const studyUid = testUid();
  const seriesUid = testUid();
  for (let i = 1; i <= n; i++)
    writeFileSync(join(probeDir, `p${i}.dcm`), makeInstance({ studyUid, seriesUid, instanceNumber: i, rows: 256, columns: 256 }).bytes);
  const backlog = writeStudies(backlogCount, 'backlog');
  process.stdout.write(
    `ingest-under-load: probe ${n} DX files 256² (one study); backlog ${backlogCount} one-image studies (1024², uncompressed / JPEG baseline); storescu, default config\n`,
  );
  process.stdout.write(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2-core machine shared with other work: noisy)\n`,
  );
  const dataDirs: string[] = [];
  const fresh = async (nodeArgs: string[] = []): Promise<ServerProcess> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rf-bench-iul-'));
    dataDirs.push(dataDir);
    return startServerProcess({ READFIRST_DATA_DIR: dataDir }, undefined, nodeArgs);
  };
  try {
    // 1. idle server
    const idle = await fresh();
    let idleRun;
    let idleFound;
    let idleLagP99: number | undefined;
    try {
      await sleep(1000); // let the workers load the model
      idleRun = await storescu(idle.dimsePort, probeDir);
      idleLagP99 = metricValue(await scrape(idle.httpPort), 'readfirst_event_loop_lag_seconds', 'quantile="0.99"');
      idleFound = await queryable(idle, studyUid);
    } finally {
      await stopServerProcess(idle);
    }

    // 2. the same files while a backlog is analysed
    const loaded = await fresh(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    let loadedRun;
    let loadedFound;
    let backlogRun;
    let backlogFound;
    let lagP99: number | undefined;
    let atEnd;
    let drainSeconds: number | undefined;
    try {
      await sleep(1000);
      backlogRun = await storescu(loaded.dimsePort, backlog.dir);
      // Wait until analysis is under way: the queue metric shows work, or (a server without it)
      // the default quiet period has passed and the backlog's studies are complete.
      const deadline = Date.now() + 12_000;
      for (;;) {
        const a = analysisOf(await scrape(loaded.httpPort));
        if (a.analysed > 0 || Date.now() > deadline) break;
        await sleep(100);
      }
      const before = analysisOf(await scrape(loaded.httpPort));
      loadedRun = await storescu(loaded.dimsePort, probeDir);
      const text = await scrape(loaded.httpPort);
      atEnd = { before, after: analysisOf(text) };
      lagP99 =
        metricValue(text, 'readfirst_event_loop_lag_seconds', 'quantile="0.99"') ??
        metricValue(text, 'readfirst_nodejs_eventloop_lag_p99_seconds');
      loadedFound = await queryable(loaded, studyUid);
      backlogFound = await studiesQueryable(loaded);
      const t0 = Date.now();
      for (;;) {
        const a = analysisOf(await scrape(loaded.httpPort));
        if (a.queued === undefined || Date.now() - t0 > 300_000) break;
        if (a.queued === 0 && a.analysed >= backlogCount + n) {
          drainSeconds = (Date.now() - t0) / 1000;
          break;
        }
        await sleep(250);
      }
    } finally {
      await stopServerProcess(loaded);
    }

    const rate = (r: { acked: number; seconds: number }): number => r.acked / r.seconds;
    const lost = (r: { acked: number }, found: number): number => Math.max(0, r.acked - found);
    const line = (name: string, r: { acked: number; seconds: number }, found: number): string =>
      `${name.padEnd(24)} ${rate(r).toFixed(1).padStart(8)} instances/s  (${r.seconds.toFixed(2)} s, ${r.acked}/${n} acknowledged, ${found} queryable, lost ${lost(r, found)})\n`;
    process.stdout.write(line('idle server', idleRun, idleFound));
    process.stdout.write(line('while analysing backlog', loadedRun, loadedFound));
    process.stdout.write(
      `backlog: ${backlogRun.acked}/${backlogCount} acknowledged in ${backlogRun.seconds.toFixed(2)} s, ${backlogFound - 1} studies queryable (lost ${Math.max(0, backlogRun.acked - (backlogFound - 1))})\n`,
    );
    if (atEnd.after.queued !== undefined) {
      process.stdout.write(
        `analysis during the probe: ${atEnd.before.analysed} → ${atEnd.after.analysed} images analysed, ${atEnd.after.queued} still queued at its end${drainSeconds !== undefined ? `; whole backlog analysed ${drainSeconds.toFixed(1)} s after the probe` : ''}\n`,
      );
    } else {
      process.stdout.write('analysis progress: the server exposes no analysis metrics (older build)\n');
    }
    const ratio = rate(loadedRun) / rate(idleRun);
    const totalLost = lost(idleRun, idleFound) + lost(loadedRun, loadedFound) + Math.max(0, backlogRun.acked - (backlogFound - 1));
    const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : `${(v * 1000).toFixed(1)} ms`);
    process.stdout.write(`event-loop lag p99 (server, last 30 s): ${ms(lagP99)} while analysing; ${ms(idleLagP99)} on the idle server\n`);
    process.stdout.write(
      `ratio loaded/idle: ${ratio.toFixed(2)} (target >= 0.8) ${ratio >= 0.8 ? 'MET' : 'NOT MET'}; lost ${totalLost} (target 0) ${totalLost === 0 ? 'MET' : 'NOT MET'}\n`,
    );
    process.stdout.write(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
    rmSync(backlog.dir, { recursive: true, force: true });
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }
}
