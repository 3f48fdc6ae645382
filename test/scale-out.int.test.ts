import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../src/app/modules.ts';
import { systemClock } from '../src/core/clock.ts';
import { derive, JPEG_BASELINE, setString } from '../src/inference/testing/dicom-fixtures.ts';
import { makeTinyPackage } from '../src/inference/testing/tiny-package.ts';
import { UserStore } from '../src/security/users.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { TEST_PG_URL } from './support/dbs.ts';
import { type ServerProcess, startServerProcess, stopServerProcess } from './support/server-process.ts';
import { openSse, type SseClient } from './support/sse.ts';

/**
 * Scale-out on the real PostgreSQL (issue 15): one ingest, two worker and one API process, each
 * `readfirst serve --role …` as its own OS process with its own data directory, sharing one
 * database, job queue and instance store. Studies go in through storescu; one worker is killed
 * with SIGKILL mid-run. Afterwards every study has exactly one result per model version and one
 * SR, no job is left active or queued, and an SSE client on the API process saw every study's
 * AI re-ranking, made by the workers.
 */
const STUDIES = Number(process.env.READFIRST_SCALE_STUDIES ?? 500);
const ROOT = '1.2.826.0.1.3680043.10.515';

const dbUrl = (name: string): string => {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

async function until(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const count = async (db: Db, sql: string): Promise<number> => Number((await db.query<{ n: number | string }>(sql))[0]?.n ?? 0);

describe('scale-out: ingest, two workers and an API process on one PostgreSQL', () => {
  const dbName = `rf_scale_${randomBytes(5).toString('hex')}`;
  const root = mkdtempSync(join(tmpdir(), 'rf-scale-'));
  const filesDir = join(root, 'shared-files');
  const keyFile = join(root, 'audit.key');
  const inDir = join(root, 'in');
  const tiny = makeTinyPackage({ size: 32 });
  const procs: ServerProcess[] = [];
  let db: Db;
  let admin: pg.Client;
  const studyUids: string[] = [];

  const env = (name: string): Record<string, string> => ({
    READFIRST_DATABASE_URL: dbUrl(dbName),
    READFIRST_DATA_DIR: join(root, name),
    READFIRST_FILES_DIR: filesDir,
    READFIRST_SECURITY_AUDIT_KEY_FILE: keyFile,
    READFIRST_INFERENCE_MODEL_DIRS: tiny.dir,
    READFIRST_INFERENCE_WORKERS: '1',
    READFIRST_INFERENCE_INTRA_OP_THREADS: '1',
    READFIRST_INGEST_QUIET_PERIOD_MS: '1500',
    READFIRST_CLUSTER_EXPIRE_IN_SECONDS: '8',
    READFIRST_CLUSTER_RETRY_DELAY_SECONDS: '1',
    READFIRST_LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    db = await openDb({ databaseUrl: dbUrl(dbName), sqlitePath: '', migrations: allMigrations });
    await new UserStore(db, systemClock).create({ username: 'reader', password: 'reader password', roles: ['radiologist'] });
    writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    mkdirSync(inDir, { recursive: true });
    for (let n = 1; n <= STUDIES; n++) {
      const study = `${ROOT}.${n}`;
      studyUids.push(study);
      const path = derive(JPEG_BASELINE, `scale-${n}.dcm`, (d, meta) => {
        setString(d, '0020000D', 'UI', study);
        setString(d, '0020000E', 'UI', `${study}.1`);
        setString(d, '00080018', 'UI', `${study}.1.1`);
        setString(meta, '00020003', 'UI', `${study}.1.1`);
        setString(d, '00080050', 'SH', `ACC${n}`);
        setString(d, '00185101', 'CS', 'PA');
        setString(d, '00180015', 'CS', 'CHEST');
      });
      writeFileSync(join(inDir, `s${String(n).padStart(5, '0')}.dcm`), readFileSync(path));
      rmSync(path);
    }
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) await stopServerProcess(p, 'SIGKILL');
    await db?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin?.end();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'every study gets one result per model version and one SR, no job is stuck, and the API streams every re-rank',
    { timeout: 600_000 },
    async () => {
      try {
        await run();
      } catch (e) {
        // What each process logged last, to see why.
        const tails = procs.map(
          (p, i) => `--- ${['ingest', 'worker-a', 'worker-b', 'api'][i]}\n${p.stdout().split('\n').slice(-15).join('\n')}`,
        );
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n${tails.join('\n')}`);
      }
    },
  );

  async function run(): Promise<void> {
    // All four start at once: migrations are serialised by an advisory lock.
    const [ingest, workerA, workerB, api] = await Promise.all([
      startServerProcess(env('ingest'), undefined, [], ['--role', 'ingest']),
      startServerProcess(env('worker-a'), undefined, [], ['--role', 'worker']),
      startServerProcess(env('worker-b'), undefined, [], ['--role', 'worker']),
      startServerProcess(env('api'), undefined, [], ['--role', 'api']),
    ]);
    if (!ingest || !workerA || !workerB || !api) throw new Error('a process did not start');
    procs.push(ingest, workerA, workerB, api);

    // Each role serves its own routes: the worklist on the API, STOW on ingest, only health on a worker.
    const apiBase = `http://127.0.0.1:${api.httpPort}`;
    for (const p of procs)
      await until(`${p.httpPort} ready`, async () => (await fetch(`http://127.0.0.1:${p.httpPort}/readyz`)).ok, 60_000);
    const ready = (await (await fetch(`http://127.0.0.1:${workerA.httpPort}/readyz`)).json()) as {
      role: string;
      checks: Record<string, string>;
    };
    expect(ready.role).toBe('worker');
    expect(Object.keys(ready.checks).sort()).toEqual(['database', 'events', 'jobs', 'models']);
    expect((await fetch(`http://127.0.0.1:${workerA.httpPort}/api/worklist`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${ingest.httpPort}/api/worklist`)).status).toBe(404);
    expect((await fetch(`${apiBase}/dicom-web/studies`, { method: 'POST' })).status).toBe(404);

    const login = await fetch(`${apiBase}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'reader', password: 'reader password' }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const sse: SseClient = await openSse(`${apiBase}/api/worklist/events`, { cookie });
    await sse.next((f) => f.event === 'ready');

    const scu = spawn('storescu', ['-xy', '-aec', 'READFIRST', '+sd', '127.0.0.1', String(ingest.dimsePort), inDir], { stdio: 'ignore' });
    const sent = new Promise<number | null>((r) => scu.on('close', (code) => r(code)));

    // Kill one worker with SIGKILL in the middle of the run (a third of the images read).
    const read = (): Promise<number> =>
      count(db, "SELECT count(DISTINCT sop_instance_uid) AS n FROM inference_result WHERE status <> 'failed'");
    await until('a third of the images read', async () => (await read()) >= STUDIES / 3, 60_000 + STUDIES * 500);
    workerA.child.kill('SIGKILL');
    const killedAt = await read();
    expect(killedAt).toBeLessThan(STUDIES);
    expect(await sent).toBe(0);

    // The survivor finishes, including the killed worker's jobs once their visibility timeout passes.
    await until(
      'every study with its SR',
      async () => (await count(db, "SELECT count(DISTINCT study_instance_uid) AS n FROM outbox_object WHERE kind = 'sr'")) >= STUDIES,
      420_000,
    );
    const jobStates = async (): Promise<number> =>
      count(db, "SELECT count(*) AS n FROM readfirst_jobs.job WHERE name LIKE 'analysis%' AND state IN ('created', 'retry', 'active')");
    await until('no job active or queued', async () => (await jobStates()) === 0, 60_000);

    // Exactly once: one reading per image and model version, one SR per study.
    expect(await read()).toBe(STUDIES);
    const duplicates = await db.query(
      "SELECT sop_instance_uid FROM inference_result WHERE status <> 'failed' GROUP BY sop_instance_uid, model_id, model_version HAVING count(*) > 1",
    );
    expect(duplicates).toEqual([]);
    const srPerStudy = await db.query<{ study_instance_uid: string; n: number | string }>(
      "SELECT study_instance_uid, count(*) AS n FROM outbox_object WHERE kind = 'sr' GROUP BY study_instance_uid",
    );
    expect(srPerStudy.length).toBe(STUDIES);
    expect(srPerStudy.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(await count(db, "SELECT count(*) AS n FROM readfirst_jobs.job WHERE name = 'analysis-dead'")).toBe(0);
    // The killed worker's work was retried by the survivor (completed jobs exceed what had been read when it died).
    expect(await count(db, "SELECT count(*) AS n FROM readfirst_jobs.job WHERE name = 'analysis' AND state = 'completed'")).toBe(STUDIES);

    // The SSE client on the API process saw every study re-ranked with its AI reading (made on a worker).
    await until(
      'every AI re-rank on the API stream',
      async () => {
        const seen = new Set(
          sse.frames
            .filter((f) => f.event === 'worklist.changed')
            .map((f) => (f.data as { item?: { studyInstanceUid: string; aiStatus: string } }).item)
            .filter((i) => i && i.aiStatus !== 'pending')
            .map((i) => i?.studyInstanceUid),
        );
        return studyUids.every((u) => seen.has(u));
      },
      30_000,
    );
    sse.close();
  }
});
