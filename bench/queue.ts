/**
 * `npm run bench -- queue [N] [concurrency]`: the job queue's own ceiling on this PostgreSQL, the
 * figure a scale-out projection starts from (issue 15). Baseline in the same run: single-row
 * autocommit INSERTs per second on one connection (PostgreSQL commits/s). Then N analysis jobs
 * (default 2000) through pg-boss: enqueue rate, and a no-op handler's completion rate with
 * `concurrency` pollers (default 4). Ratio: jobs completed per second ÷ commits per second.
 * No model runs, so this is the queue's overhead only, not analysis throughput.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { AnalysisJobs } from '../src/jobs/analysis-jobs.ts';
import { openDb } from '../src/store/open.ts';
import { TEST_PG_URL } from '../test/support/dbs.ts';

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 2000);
  const concurrency = Number(args[1] ?? 4);
  const id = randomBytes(6).toString('hex');
  const appSchema = `rf_bench_q_${id}`;
  const bossSchema = `rf_bench_boss_${id}`;
  const db = await openDb({ databaseUrl: TEST_PG_URL, sqlitePath: '', schema: appSchema, migrations: [] });
  try {
    await db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT)');
    const commits = Math.min(n, 2000);
    let t = performance.now();
    for (let i = 0; i < commits; i++) await db.run('INSERT INTO t (id, v) VALUES ($1, $2)', [`k${i}`, 'x']);
    const commitsPerS = commits / ((performance.now() - t) / 1000);

    const jobs = await AnalysisJobs.start({
      connectionString: TEST_PG_URL,
      schema: bossSchema,
      retryLimit: 3,
      retryDelaySeconds: 5,
      expireInSeconds: 60,
      pollingIntervalSeconds: 0.5,
      metrics: new Registry(),
      onError: (e) => process.stderr.write(`${String(e)}\n`),
    });
    t = performance.now();
    for (let i = 0; i < n; i++)
      await jobs.enqueue(
        {
          studyInstanceUid: `1.2.${i}`,
          seriesInstanceUid: `1.2.${i}.1`,
          sopInstanceUid: `1.2.${i}.1.1`,
          models: 'bench@1',
          receivedAt: Date.now(),
        },
        i % 10 === 0 ? 30 : 0,
      );
    const enqueuePerS = n / ((performance.now() - t) / 1000);
    let done = 0;
    t = performance.now();
    await jobs.work(
      concurrency,
      async () => void done++,
      () => Date.now(),
    );
    while (done < n) await new Promise((r) => setTimeout(r, 20));
    const completePerS = n / ((performance.now() - t) / 1000);
    await jobs.stop(2000);
    const f = (x: number): string => x.toFixed(0);
    process.stdout.write(
      [
        `PostgreSQL single-row commits/s (1 connection, baseline): ${f(commitsPerS)}`,
        `pg-boss enqueue/s (1 connection, sequential): ${f(enqueuePerS)}`,
        `pg-boss no-op jobs completed/s (${concurrency} pollers, batch 1): ${f(completePerS)}`,
        `ratio completed jobs/s ÷ commits/s: ${(completePerS / commitsPerS).toFixed(2)}`,
        `(each analysis job also commits its result row(s); the queue's share of a job is about ${(commitsPerS / completePerS).toFixed(1)} commit-equivalents)`,
      ].join('\n') + '\n',
    );
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS ${appSchema} CASCADE; DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`);
    await db.close();
  }
}
