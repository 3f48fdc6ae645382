/**
 * A worker process for analysis-jobs.int.test.ts: takes one analysis job, stores its reading,
 * prints "stored", then hangs, so the test can kill -9 it between the store and the completion
 * (the worst moment for exactly-once). Env: RF_PG_URL, RF_APP_SCHEMA, RF_BOSS_SCHEMA.
 */
import { Registry } from 'prom-client';
import { openDb } from '../../store/open.ts';
import { SqlInferenceResultStore } from '../../inference/result-store.ts';
import { AnalysisJobs } from '../analysis-jobs.ts';
import { storeTestReading } from './test-reading.ts';

const url = process.env.RF_PG_URL ?? '';
const db = await openDb({ databaseUrl: url, sqlitePath: '', schema: process.env.RF_APP_SCHEMA ?? '', migrations: [] });
const results = new SqlInferenceResultStore(db);
const jobs = await AnalysisJobs.start({
  connectionString: url,
  schema: process.env.RF_BOSS_SCHEMA ?? '',
  retryLimit: 3,
  retryDelaySeconds: 1,
  expireInSeconds: 2,
  pollingIntervalSeconds: 0.5,
  metrics: new Registry(),
  onError: () => undefined,
});
await jobs.work(
  1,
  async (job) => {
    await storeTestReading(results, job);
    process.stdout.write('stored\n');
    await new Promise(() => undefined);
  },
  () => Date.now(),
);
