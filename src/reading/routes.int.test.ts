import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import type { App } from '../app/app.ts';
import type { AppContext, AppModule } from '../app/context.ts';
import type { AuthService } from '../security/module.ts';
import { initSecurity } from '../security/module.ts';
import type { Reading } from './reading.ts';
import { initReading } from './module.ts';
import { MemoryResults, sampleResult } from './testing.ts';

/** Stands in for the inference module: publishes its result store under the service name. */
async function fakeInference(ctx: AppContext): Promise<AppModule> {
  const results = new MemoryResults();
  await results.save(sampleResult('1.2.840.1'));
  ctx.services.inferenceResults = results;
  return { name: 'inference-fake' };
}

describe('reading over HTTP', () => {
  let app: App;
  let base: string;
  const cookie: Record<string, string> = {};
  beforeAll(async () => {
    app = await startTestApp({}, { modules: [initSecurity, fakeInference, initReading] });
    base = `http://127.0.0.1:${app.httpPort()}`;
    const auth = app.ctx.services.auth as AuthService;
    await auth.users.create({ username: 'reader', displayName: 'Dr Reader', password: 'reader password', roles: ['radiologist'] });
    await auth.users.create({ username: 'boss', password: 'admin password', roles: ['admin'] });
    for (const [u, p] of [['reader', 'reader password'], ['boss', 'admin password']] as const) {
      const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: p }) });
      cookie[u] = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    }
  });
  afterAll(async () => app.close());

  const call = async (who: string, method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: { cookie: cookie[who] ?? '', ...(body !== undefined ? { 'content-type': 'application/json' } : { 'x-requested-with': 'readfirst' }) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('only radiologists read; others are refused by the guard', async () => {
    expect((await call('boss', 'GET', '/api/readings/1.2.840.1')).status).toBe(403);
    expect((await fetch(`${base}/api/readings/1.2.840.1`)).status).toBe(401);
  });

  it('records verdicts and a signed report through the API', async () => {
    const opened = (await (await call('reader', 'GET', '/api/readings/1.2.840.1')).json()) as { reading: Reading; results: unknown[] };
    expect(opened.results).toHaveLength(1);
    expect(opened.reading.modelVersion).toBe('1.2.3');
    expect((await call('reader', 'PUT', '/api/readings/1.2.840.1/findings/pneumothorax', { verdict: 'agree' })).status).toBe(200);
    expect((await call('reader', 'PUT', '/api/readings/1.2.840.1/findings/effusion', { verdict: 'maybe' })).status).toBe(400);
    // Effusion is AI-positive without a verdict: signing is refused, with the pending finding named.
    const refused = await call('reader', 'POST', '/api/readings/1.2.840.1/sign', {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toMatch(/effusion/);
    expect((await call('reader', 'PUT', '/api/readings/1.2.840.1/findings/effusion', { verdict: 'disagree' })).status).toBe(200);
    const signed = await call('reader', 'POST', '/api/readings/1.2.840.1/sign', {});
    expect(signed.status).toBe(200);
    expect(((await signed.json()) as Reading).status).toBe('signed');
    const rows = await app.ctx.db.query<{ reader_name: string; status: string }>('SELECT reader_name, status FROM readings');
    expect(rows).toEqual([{ reader_name: 'Dr Reader', status: 'signed' }]);
  });
});
