import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryBus } from '../events/bus.ts';
import type { StudyAnalysedEvent } from '../events/types.ts';
import { inferenceMigrations } from '../inference/migrations.ts';
import { SqlInferenceResultStore } from '../inference/result-store.ts';
import type { Db } from '../store/db.ts';
import { openDb } from '../store/open.ts';
import { TEST_PG_URL } from '../../test/support/dbs.ts';
import { until } from '../../test/support/until.ts';
import { type AnalysisJobData, AnalysisJobs, ANALYSIS_DEAD_LETTER, analysisPriority } from './analysis-jobs.ts';
import { startAnalysisEnqueuer, studyJobPriority } from './analysis-enqueuer.ts';
import { analysisJobHandler } from './analysis-worker.ts';
import { jobMigrations } from './migrations.ts';
import { storeTestReading } from './testing/test-reading.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  db: Db;
  appSchema: string;
  bossSchema: string;
  metrics: Registry;
  start(o?: { retryLimit?: number }): Promise<AnalysisJobs>;
}

async function setup(): Promise<Setup> {
  const id = randomBytes(6).toString('hex');
  const appSchema = `rf_jobs_${id}`;
  const bossSchema = `rf_boss_${id}`;
  const db = await openDb({
    databaseUrl: TEST_PG_URL,
    sqlitePath: '',
    schema: appSchema,
    migrations: [...inferenceMigrations, ...jobMigrations],
  });
  cleanups.push(async () => {
    await db.exec(`DROP SCHEMA IF EXISTS ${appSchema} CASCADE; DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`);
    await db.close();
  });
  const metrics = new Registry();
  return {
    db,
    appSchema,
    bossSchema,
    metrics,
    async start(o = {}) {
      const jobs = await AnalysisJobs.start({
        connectionString: TEST_PG_URL,
        schema: bossSchema,
        retryLimit: o.retryLimit ?? 3,
        retryDelaySeconds: 1,
        expireInSeconds: 2,
        pollingIntervalSeconds: 0.5,
        metrics: new Registry(),
        onError: () => undefined,
      });
      cleanups.push(() => jobs.stop(1000));
      return jobs;
    },
  };
}

const job = (n: number): AnalysisJobData => ({
  studyInstanceUid: `1.2.${n}`,
  seriesInstanceUid: `1.2.${n}.1`,
  sopInstanceUid: `1.2.${n}.1.1`,
  models: 'tiny@1',
  receivedAt: Date.now(),
});

describe('analysis jobs on pg-boss', () => {
  it('queues one job per instance and model set, and runs STAT, then emergency, then routine', async () => {
    const s = await setup();
    const jobs = await s.start();
    expect(await jobs.enqueue(job(1), analysisPriority({ priority: 'ROUTINE' }))).toBeTypeOf('string');
    expect(await jobs.enqueue(job(1), analysisPriority({ priority: 'ROUTINE' }))).toBeNull();
    await jobs.enqueue(job(2), analysisPriority({ emergency: true }));
    await jobs.enqueue(job(3), analysisPriority({ priority: 'STAT' }));
    expect(await jobs.queued()).toBe(3);
    const order: string[] = [];
    await jobs.work(
      1,
      async (d) => void order.push(d.studyInstanceUid),
      () => Date.now(),
    );
    await until('three jobs', async () => order.length === 3);
    expect(order).toEqual(['1.2.3', '1.2.2', '1.2.1']);
    await until('completion', async () => (await jobs.states())['analysis:completed'] === 3);
  });

  it('retries a failing job with back-off, then moves it to the dead-letter queue', async () => {
    const s = await setup();
    const jobs = await s.start({ retryLimit: 1 });
    let attempts = 0;
    await jobs.enqueue(job(1), 0);
    await jobs.work(
      1,
      async () => {
        attempts++;
        throw new Error('model crashed');
      },
      () => Date.now(),
    );
    await until('dead letter', async () => (await jobs.queued(ANALYSIS_DEAD_LETTER)) === 1);
    expect(attempts).toBe(2);
    expect((await jobs.states())['analysis:failed']).toBe(1);
  });

  it('a worker killed with -9 after storing: the job expires, another worker completes it, one result', async () => {
    const s = await setup();
    const jobs = await s.start();
    await jobs.enqueue(job(7), 0);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/jobs/testing/hanging-worker.ts'], {
      env: { ...process.env, RF_PG_URL: TEST_PG_URL, RF_APP_SCHEMA: s.appSchema, RF_BOSS_SCHEMA: s.bossSchema },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(async () => void child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('stored') && resolve());
      child.on('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    child.kill('SIGKILL');
    expect((await jobs.states())['analysis:active']).toBe(1);

    const results = new SqlInferenceResultStore(s.db);
    const bus = new InMemoryBus(() => undefined);
    const analysed: StudyAnalysedEvent[] = [];
    bus.on('study.analysed', (e) => void analysed.push(e));
    // The second worker stores the same reading again (as a retried analysis would): the index refuses it.
    await jobs.work(1, analysisJobHandler({ analyse: (d) => storeTestReading(results, d), results, bus, now: () => Date.now() }), () =>
      Date.now(),
    );
    await until('retry completed', async () => (await jobs.states())['analysis:completed'] === 1);
    await bus.idle();
    const stored = await results.listForStudy('1.2.7');
    expect(stored).toHaveLength(1);
    expect(analysed).toHaveLength(1);
    expect(analysed[0]?.resultIds).toEqual([stored[0]?.id]);
    expect(await jobs.queued()).toBe(0);
  });

  it('a job whose reading failed is retried, and a later success completes it', async () => {
    const s = await setup();
    const jobs = await s.start();
    const results = new SqlInferenceResultStore(s.db);
    let n = 0;
    const analyse = async (d: AnalysisJobData): Promise<void> => {
      if (n++ === 0) {
        await results.save({
          id: `f-${n}`,
          studyInstanceUid: d.studyInstanceUid,
          seriesInstanceUid: d.seriesInstanceUid,
          sopInstanceUid: d.sopInstanceUid,
          status: 'failed',
          statusReason: 'worker not ready',
          model: { modelId: 'tiny', modelName: 'tiny', modelVersion: '1', modelSha256: 'x', shadow: false },
          findings: [],
          gate: null,
          timings: null,
          inputSha256: null,
          createdAt: Date.now(),
          aiGenerated: true,
        });
        return;
      }
      await storeTestReading(results, d);
    };
    await jobs.enqueue(job(9), 0);
    await jobs.work(1, analysisJobHandler({ analyse, results, bus: new InMemoryBus(() => undefined), now: () => Date.now() }), () =>
      Date.now(),
    );
    await until('completed', async () => (await jobs.states())['analysis:completed'] === 1);
    expect(n).toBe(2);
    expect((await results.listForStudy('1.2.9')).map((r) => r.status).sort()).toEqual(['analysed', 'failed']);
  });

  it('graceful stop finishes a job in flight, and returns one that outlasts the grace period', async () => {
    const s = await setup();
    const jobs = await s.start();
    await jobs.enqueue(job(1), 0);
    let finished = false;
    let started = false;
    await jobs.work(
      1,
      async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
      },
      () => Date.now(),
    );
    await until('start', async () => started);
    await jobs.stop(5000);
    expect(finished).toBe(true);

    const other = await s.start();
    await until('completed', async () => (await other.states())['analysis:completed'] === 1);
    await other.enqueue(job(2), 0);
    let hung = 0;
    await other.work(
      1,
      async () => {
        hung++;
        await new Promise(() => undefined);
      },
      () => Date.now(),
    );
    await until('hung start', async () => hung === 1);
    await other.stop(1000);
    // Failed by the stop, not lost: waiting again for a retry.
    const after = await s.start();
    await until('returned to the queue', async () => (await after.states())['analysis:retry'] === 1);
    expect(await after.queued()).toBe(1);
  });

  it('the ingest enqueuer queues one job per newly stored instance, STAT and ED first', async () => {
    const s = await setup();
    const jobs = await s.start();
    const bus = new InMemoryBus(() => undefined);
    const orders: Record<string, { requestedProcedurePriority: string | null; patientLocation: string | null }> = {
      '1.2.1': { requestedProcedurePriority: 'ROUTINE', patientLocation: 'Ward 7' },
      '1.2.2': { requestedProcedurePriority: null, patientLocation: 'ED bay 3' },
      '1.2.3': { requestedProcedurePriority: 'STAT', patientLocation: null },
    };
    const errors: unknown[] = [];
    const enq = startAnalysisEnqueuer({
      bus,
      jobs,
      models: 'tiny@1',
      studies: { getStudy: async (uid) => orders[uid] },
      onError: (e) => errors.push(e),
    });
    for (const n of [1, 2, 3]) {
      const j = job(n);
      bus.emit('instance.stored', { ...j, via: 'dimse', duplicate: false });
      bus.emit('instance.stored', { ...j, via: 'dimse', duplicate: true });
    }
    bus.emit('instance.stored', { ...job(1), via: 'stow', duplicate: false });
    await bus.idle();
    await enq.close();
    expect(errors).toEqual([]);
    expect(await jobs.queued()).toBe(3);
    const order: string[] = [];
    await jobs.work(
      1,
      async (d) => void order.push(d.studyInstanceUid),
      () => Date.now(),
    );
    await until('three jobs', async () => order.length === 3);
    expect(order).toEqual(['1.2.3', '1.2.2', '1.2.1']);
    expect(studyJobPriority(undefined)).toBe(0);
  });
});
