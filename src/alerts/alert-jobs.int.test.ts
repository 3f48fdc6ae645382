import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '../../test/support/dbs.ts';
import { until } from '../../test/support/until.ts';
import { loadConfig } from '../config/load.ts';
import { systemClock } from '../core/clock.ts';
import { InMemoryBus } from '../events/bus.ts';
import { AnalysisJobs } from '../jobs/analysis-jobs.ts';
import { createLogger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import { openDb } from '../store/open.ts';
import { type AlertService, type AlertTask, createAlertService } from './alert-service.ts';
import { AlertStore } from './alert-store.ts';
import { alertMigrations } from './migrations.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Records each webhook post's delivery id and path; answers 503 to the first `failFirst`. */
async function receiver(failFirst: number): Promise<{ url: string; got: Array<{ path: string; deliveryId: string }> }> {
  const got: Array<{ path: string; deliveryId: string }> = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', deliveryId: (JSON.parse(body) as { deliveryId: string }).deliveryId });
      res.statusCode = n++ < failFirst ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

const item = (study: string) => ({
  studyInstanceUid: study,
  reason: 'pneumothorax suspected',
  accessionNumber: 'ACC1',
  modelId: 'readfirst-cxr',
  modelVersion: '1.0.0',
});

/**
 * Scaled out, alert deliveries and escalations are pg-boss jobs: two "worker processes" (two
 * services, each with its own job workers) share one PostgreSQL. A delivery whose webhook fails
 * is retried with back-off by whichever worker takes the job; the escalation fires once, however
 * many workers there are, and never after an acknowledgement (possibly on a third process).
 */
describe('alert deliveries and escalations as jobs across processes (PostgreSQL)', () => {
  async function setup(webhookUrl: string): Promise<{ db: Db; services: AlertService[] }> {
    const id = randomBytes(6).toString('hex');
    const schema = `rf_alerts_${id}`;
    const bossSchema = `rf_alert_boss_${id}`;
    const db = await openDb({ databaseUrl: TEST_PG_URL, sqlitePath: '', schema, migrations: alertMigrations });
    cleanups.push(async () => {
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`);
      await db.close();
    });
    const config = loadConfig({
      env: {},
      overrides: {
        'alerts.webhooks': [{ url: `${webhookUrl}/primary`, secret: 'primary-secret-0123456789' }],
        'alerts.escalationWebhooks': [{ url: `${webhookUrl}/escalation`, secret: 'escalation-secret-0123456789' }],
        'alerts.ackTimeoutMs': 2500,
        'alerts.webhookBackoffMs': 200,
      },
    });
    const services: AlertService[] = [];
    for (let p = 0; p < 2; p++) {
      const jobs = await AnalysisJobs.start({
        connectionString: TEST_PG_URL,
        schema: bossSchema,
        retryLimit: 1,
        retryDelaySeconds: 1,
        expireInSeconds: 30,
        pollingIntervalSeconds: 0.5,
        metrics: new Registry(),
        onError: () => undefined,
      });
      const service = createAlertService({
        tasks: { schedule: (task, ms) => jobs.scheduleAlert(task, ms) },
        store: new AlertStore(db),
        clock: systemClock,
        bus: new InMemoryBus(() => undefined),
        logger: createLogger('silent'),
        config: config.alerts,
        publicUrl: '',
      });
      await jobs.workAlerts(2, (task: AlertTask) => service.run(task));
      cleanups.push(async () => {
        service.close();
        await jobs.stop(1000);
      });
      services.push(service);
    }
    return { db, services };
  }

  it('retries a failed webhook under one delivery id, and escalates once with two workers', async () => {
    const hook = await receiver(1);
    const { services } = await setup(hook.url);
    const [a] = services;
    if (!a) throw new Error('no service');
    const { alert, created } = await a.raise(item('1.2.3'));
    expect(created).toBe(true);
    // First attempt 503, the retry (another job, after the back-off) delivered: same delivery id.
    await until('the primary delivery', async () => (await a.get(alert.id))?.deliveries[0]?.status === 'delivered');
    const primary = hook.got.filter((g) => g.path === '/primary');
    expect(primary).toHaveLength(2);
    expect(new Set(primary.map((p) => p.deliveryId)).size).toBe(1);
    expect((await a.get(alert.id))?.deliveries[0]?.attempts).toBe(2);
    // Unacknowledged past ackTimeoutMs: escalated once, not once per worker.
    await until('the escalation', () => hook.got.some((g) => g.path === '/escalation'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(hook.got.filter((g) => g.path === '/escalation')).toHaveLength(1);
    expect((await a.get(alert.id))?.level).toBe(1);
  });

  it('sends no escalation for an alert acknowledged in time on another process', async () => {
    const hook = await receiver(0);
    const { services } = await setup(hook.url);
    const [a, b] = services;
    if (!a || !b) throw new Error('no services');
    const { alert } = await a.raise(item('1.2.4'));
    await until('the primary delivery', () => hook.got.some((g) => g.path === '/primary'));
    await b.acknowledge(alert.id, 'reader');
    await new Promise((r) => setTimeout(r, 4000));
    expect(hook.got.filter((g) => g.path === '/escalation')).toEqual([]);
    expect((await a.get(alert.id))?.status).toBe('acknowledged');
  });
});
