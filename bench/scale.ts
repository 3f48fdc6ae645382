/**
 * `npm run bench -- scale [N]`: analysis throughput of a scaled-out deployment with 1 and with 2
 * worker processes (issue 15). Each run is a fresh PostgreSQL database, one ingest process and
 * k `serve --role worker` processes, each with one ONNX Runtime worker of one intra-op thread, so
 * the comparison is of processes, not threads, and each pinned to one core (taskset; BENCH_PIN=0
 * leaves them free): a worker process runs two busy threads, its main thread (database, outputs)
 * and the ONNX worker (decode, preprocessing, model), so unpinned one process already spreads over
 * both cores of this machine and a second has little left. N one-image chest studies (default 200) are stored
 * through the ingest process first (storescu), so the queue holds N image jobs; then the workers
 * start and the clock runs until every image job and every study-completion job (SR, KOS and
 * heat-map objects built and queued) has completed: throughput is whole studies per second. The baseline is the 1-worker run
 * of the same invocation; the ratio is 2-worker throughput ÷ 1-worker throughput.
 *
 * Also measured, for the N-host projection: PostgreSQL commits per second (single-row autocommit
 * INSERTs on one connection), the commits each analysed image costs (pg_stat_database
 * xact_commit over the 2-worker run ÷ N), and the instance store's read throughput (every stored
 * file read back, MB/s).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { allMigrations } from '../src/app/modules.ts';
import { openDb } from '../src/store/open.ts';
import { clusterEnv, count, createScratchDatabase, storeFolder, writeChestStudies } from '../test/support/cluster.ts';
import { until } from '../test/support/until.ts';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../test/support/server-process.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** BENCH_PIN=0: let each worker process use every core (the default pins one core per process). */
const PIN = process.env.BENCH_PIN !== '0';

interface RunResult {
  workers: number;
  seconds: number;
  imagesPerS: number;
  queueP50S: number;
  queueP95S: number;
  commitsPerImage: number;
  /** CPU seconds per study: the worker processes (all their threads), PostgreSQL, the ingest process. */
  cpu: { workers: number; postgres: number; ingest: number };
  /** Workers started to every job completed, start-up included. */
  wallS: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Fields of /proc/<pid>/stat after the command name (index 0 is field 3, the state). */
function statFields(pid: number | string): string[] {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  } catch {
    return [];
  }
}

/** CPU seconds (user + system, all threads) a process has used (Linux clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11] ?? 0) + Number(f[12] ?? 0)) / 100;
}

/**
 * CPU seconds used so far by PostgreSQL on this host: every live server process, plus what its
 * exited backends used (the postmaster's cutime/cstime, which counts the children it reaped).
 */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm !== 'postgres') continue;
    const f = statFields(pid);
    total += (Number(f[11] ?? 0) + Number(f[12] ?? 0)) / 100;
    const parent = f[1] ?? '';
    let parentComm = '';
    try {
      parentComm = readFileSync(`/proc/${parent}/comm`, 'utf8').trim();
    } catch {
      /* none */
    }
    if (parentComm !== 'postgres') total += (Number(f[13] ?? 0) + Number(f[14] ?? 0)) / 100;
  }
  return total;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function run(workers: number, n: number, inDir: string, modelDir: string): Promise<RunResult & { filesDir: string; root: string }> {
  const scratch = await createScratchDatabase('rf_bench_scale');
  const root = mkdtempSync(join(tmpdir(), 'rf-bench-scale-'));
  writeFileSync(join(root, 'audit.key'), randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  const env = (name: string): Record<string, string> => ({
    ...clusterEnv({ root, name, databaseUrl: scratch.url, modelDir }),
    READFIRST_LOG_LEVEL: 'warn',
    // Write-back has no destination here; SR/KOS/heat-map objects are still built and queued.
    ...(process.env.BENCH_WORKER_CONCURRENCY ? { READFIRST_CLUSTER_WORKER_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY } : {}),
  });
  const procs: ServerProcess[] = [];
  const db = await openDb({ databaseUrl: scratch.url, sqlitePath: '', migrations: allMigrations });
  try {
    const ingest = await startServerProcess(env('ingest'), undefined, [], ['--role', 'ingest']);
    procs.push(ingest);
    const code = await storeFolder(ingest.dimsePort, inDir);
    if (code !== 0) throw new Error(`storescu exited ${code}`);
    await until(
      'every image and study job queued',
      async () => (await count(db, "SELECT count(*) AS n FROM readfirst_jobs.job WHERE name IN ('analysis', 'analysis-study')")) >= 2 * n,
      120_000,
    );
    const commits0 = await count(db, 'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
    const pg0 = postgresCpuSeconds();
    const ingest0 = cpuSeconds(ingest.child.pid ?? 0);
    const t0 = performance.now();
    const started = await Promise.all(
      Array.from({ length: workers }, (_, i) => startServerProcess(env(`worker-${i}`), undefined, [], ['--role', 'worker'])),
    );
    procs.push(...started);
    // One core per worker process (all its threads: the main thread and the ONNX worker), so the
    // runs compare processes, not one process spreading over both cores.
    if (PIN)
      started.forEach((p, i) =>
        execFileSync('taskset', ['-a', '-p', '-c', String(i % cpus().length), String(p.child.pid)], { stdio: 'ignore' }),
      );
    // Done when every image is read and every study finished (its SR, KOS and heat-maps queued).
    await until(
      'every image and study job completed',
      async () =>
        (await count(
          db,
          "SELECT count(*) AS n FROM readfirst_jobs.job WHERE name IN ('analysis', 'analysis-study') AND state = 'completed'",
        )) >=
        2 * n,
      30 * 60_000,
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu = {
      workers: started.reduce((a, p) => a + cpuSeconds(p.child.pid ?? 0), 0) / n,
      postgres: (postgresCpuSeconds() - pg0) / n,
      ingest: (cpuSeconds(ingest.child.pid ?? 0) - ingest0) / n,
    };
    // Throughput over the work itself: first job started to last job completed (not the processes' start-up).
    const span = (
      await db.query<{ s: number | string }>(
        "SELECT EXTRACT(EPOCH FROM (max(completed_on) - min(started_on))) AS s FROM readfirst_jobs.job WHERE name IN ('analysis', 'analysis-study')",
      )
    )[0]?.s;
    const seconds = Number(span ?? wall);
    const commits = (await count(db, 'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')) - commits0;
    // Queue latency: image job created (instance stored) to started, over the drained backlog (the
    // workers start once all N are queued, so it is the backlog's drain time, not a steady state).
    const waits = (
      await db.query<{ s: number | string }>(
        "SELECT EXTRACT(EPOCH FROM (started_on - created_on)) AS s FROM readfirst_jobs.job WHERE name = 'analysis' AND state = 'completed'",
      )
    )
      .map((r) => Number(r.s))
      .sort((a, b) => a - b);
    return {
      workers,
      seconds,
      imagesPerS: n / seconds,
      queueP50S: quantile(waits, 0.5),
      queueP95S: quantile(waits, 0.95),
      commitsPerImage: commits / n,
      wallS: wall,
      cpu,
      filesDir: join(root, 'shared-files'),
      root,
    };
  } finally {
    for (const p of procs) await stopServerProcess(p, 'SIGTERM');
    await db.close();
    await scratch.drop();
  }
}

/** Single-row autocommit INSERTs per second on one connection: the database's commit rate. */
async function commitsPerSecond(): Promise<number> {
  const scratch = await createScratchDatabase('rf_bench_commits');
  const db = await openDb({ databaseUrl: scratch.url, sqlitePath: '', migrations: [] });
  try {
    await db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT)');
    const n = 2000;
    const t = performance.now();
    for (let i = 0; i < n; i++) await db.run('INSERT INTO t (id, v) VALUES ($1, $2)', [`k${i}`, 'x']);
    return n / ((performance.now() - t) / 1000);
  } finally {
    await db.close();
    await scratch.drop();
  }
}

/** Reads every stored file once: MB/s of the instance store (local disk, page cache warm). */
function storeReadMbPerS(filesDir: string): { mbPerS: number; mbPerImage: number } {
  const files = walk(filesDir).filter((f) => f.endsWith('.dcm'));
  let bytes = 0;
  const t = performance.now();
  for (const f of files) bytes += readFileSync(f).length;
  const s = (performance.now() - t) / 1000;
  return { mbPerS: bytes / 1e6 / s, mbPerImage: bytes / 1e6 / Math.max(1, files.length) };
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 200);
  const load0 = loadavg()[0] ?? 0;
  const modelDir = process.env.READFIRST_BENCH_MODEL_DIR ?? join(repoRoot, 'models', 'readfirst-cxr');
  const inDir = mkdtempSync(join(tmpdir(), 'rf-bench-scale-in-'));
  try {
    writeChestStudies(inDir, n, `1.2.826.0.1.3680043.10.516.${Date.now()}`);
    const one = await run(1, n, inDir, modelDir);
    rmSync(one.root, { recursive: true, force: true });
    const two = await run(2, n, inDir, modelDir);
    const store = storeReadMbPerS(two.filesDir);
    rmSync(two.root, { recursive: true, force: true });
    const commits = await commitsPerSecond();
    const ratio = two.imagesPerS / one.imagesPerS;
    const perHost = two.imagesPerS;
    const dbCeiling = commits / two.commitsPerImage;
    const storeCeiling = store.mbPerS / store.mbPerImage;
    const hostsAtDb = dbCeiling / perHost;
    const bottleneck = dbCeiling < storeCeiling ? 'PostgreSQL commits' : 'instance store reads';
    const line = (r: RunResult): string =>
      `${r.workers} worker process(es): ${n} studies (1 image each) analysed in ${r.seconds.toFixed(1)} s (first job started to last completed; ${r.wallS.toFixed(1)} s with start-up) = ${r.imagesPerS.toFixed(1)} studies/s; queue latency p50 ${r.queueP50S.toFixed(1)} s, p95 ${r.queueP95S.toFixed(1)} s (a backlog of ${n} drained); ${r.commitsPerImage.toFixed(1)} PostgreSQL transactions/study (reads included); CPU per study: worker processes ${(r.cpu.workers * 1000).toFixed(0)} ms (start-up included), PostgreSQL ${(r.cpu.postgres * 1000).toFixed(0)} ms, ingest ${(r.cpu.ingest * 1000).toFixed(0)} ms`;
    process.stdout.write(
      [
        `bench scale: ${n} one-image CR studies (JPEG baseline), model ${modelDir.split('/').pop()}, each worker process 1 ORT worker × 1 intra-op thread${PIN ? ', pinned to one core (taskset)' : ', not pinned'}, on ${cpus().length} cores, load average ${load0.toFixed(1)} at the start`,
        line(one),
        line(two),
        `ratio (2 workers ÷ 1 worker): ${ratio.toFixed(2)}× (target ≥ 1.8×: ${ratio >= 1.8 ? 'met' : 'NOT met'})`,
        ...[one, two].map(
          (r) =>
            `CPU, ${r.workers}-worker run: ${((r.cpu.workers + r.cpu.postgres + r.cpu.ingest) * r.imagesPerS).toFixed(2)} of ${cpus().length} cores busy (worker processes ${(r.cpu.workers * r.imagesPerS).toFixed(2)}, PostgreSQL ${(r.cpu.postgres * r.imagesPerS).toFixed(2)}, ingest ${(r.cpu.ingest * r.imagesPerS).toFixed(2)})`,
        ),
        `load average at the end ${loadavg()[0]?.toFixed(1)}`,
        `PostgreSQL: ${commits.toFixed(0)} commits/s on one connection (a lower bound: many connections share group commits) → at ${two.commitsPerImage.toFixed(1)} transactions/study, about ${dbCeiling.toFixed(0)} studies/s for the whole deployment`,
        `instance store: ${store.mbPerS.toFixed(0)} MB/s read, ${store.mbPerImage.toFixed(2)} MB/study → about ${storeCeiling.toFixed(0)} studies/s`,
        `projection: one 2-core host with 2 worker processes reads ${perHost.toFixed(1)} studies/s (${(perHost * 86_400).toFixed(0)} a day); N such worker hosts read N × ${perHost.toFixed(1)} studies/s until ${bottleneck} cap it at about ${Math.min(dbCeiling, storeCeiling).toFixed(0)} studies/s, i.e. about ${Math.floor(Math.min(hostsAtDb, storeCeiling / perHost))} hosts`,
      ].join('\n') + '\n',
    );
  } finally {
    rmSync(inDir, { recursive: true, force: true });
  }
}
