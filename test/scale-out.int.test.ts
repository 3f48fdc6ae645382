import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../src/app/modules.ts';
import { systemClock } from '../src/core/clock.ts';
import { makeTinyPackage } from '../src/inference/testing/tiny-package.ts';
import { UserStore } from '../src/security/users.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { clusterEnv, count, createScratchDatabase, type ScratchDatabase, storeFolder, writeChestStudies } from './support/cluster.ts';
import { until } from './support/until.ts';
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

describe('scale-out: ingest, two workers and an API process on one PostgreSQL', () => {
  const root = mkdtempSync(join(tmpdir(), 'rf-scale-'));
  const inDir = join(root, 'in');
  const tiny = makeTinyPackage({ size: 32 });
  const procs: ServerProcess[] = [];
  let scratch: ScratchDatabase;
  let db: Db;
  let studyUids: string[] = [];

  const env = (name: string): Record<string, string> => ({
    ...clusterEnv({ root, name, databaseUrl: scratch.url, modelDir: tiny.dir }),
    // A killed worker's jobs come back after 8 s (the visibility timeout), retried after 1 s.
    READFIRST_CLUSTER_EXPIRE_IN_SECONDS: '8',
    READFIRST_CLUSTER_RETRY_DELAY_SECONDS: '1',
    // The SR is what the test counts; KOS and heat-map objects cost most of a study's output time.
    READFIRST_REPORTS_OUTPUTS: 'sr',
    READFIRST_LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    scratch = await createScratchDatabase('rf_scale');
    db = await openDb({ databaseUrl: scratch.url, sqlitePath: '', migrations: allMigrations });
    await new UserStore(db, systemClock).create({ username: 'reader', password: 'reader password', roles: ['radiologist'] });
    writeFileSync(join(root, 'audit.key'), randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    studyUids = writeChestStudies(inDir, STUDIES, ROOT);
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) await stopServerProcess(p, 'SIGKILL');
    await db?.close();
    await scratch?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'every study gets one result per model version and one SR, no job is stuck, and the API streams every re-rank',
    { timeout: 900_000 },
    async () => {
      try {
        await run();
      } catch (e) {
        // What each process logged last, to see why.
        const tails = procs.map((p, i) => `--- process ${i + 1}\n${p.stdout().split('\n').slice(-15).join('\n')}`);
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n${tails.join('\n')}`);
      }
    },
  );

  async function run(): Promise<void> {
    // All four start at once: migrations are serialised by an advisory lock.
    const start = async (name: string, role: string): Promise<ServerProcess> => {
      const p = await startServerProcess(env(name), undefined, [], ['--role', role]);
      procs.push(p);
      return p;
    };
    const [ingest, workerA, , api] = await Promise.all([
      start('ingest', 'ingest'),
      start('worker-a', 'worker'),
      start('worker-b', 'worker'),
      start('api', 'api'),
    ]);

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

    const sent = storeFolder(ingest.dimsePort, inDir);

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
      120_000 + STUDIES * 1000,
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
