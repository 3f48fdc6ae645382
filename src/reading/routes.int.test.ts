import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppWith } from '../../test/support/app.ts';
import type { App } from '../app/app.ts';
import type { ModuleRunner } from '../app/runner.ts';
import { securityModule } from '../security/module.ts';
import type { Reading } from './reading.ts';
import { readingModule } from './module.ts';
import { FakeDicomStore } from '../triage/testing/fakes.ts';
import { MemoryResults, sampleResult } from './testing.ts';

/** Security and reading, with in-memory results in place of the inference module and no worklist. */
async function wire(m: ModuleRunner) {
  const results = new MemoryResults();
  await results.save(sampleResult('1.2.840.1'));
  const security = await m.start(securityModule, {});
  const noWorklist = { setState: async () => Promise.reject(new Error('no worklist in this test')) };
  const studies = new FakeDicomStore();
  studies.add('1.2.840.1');
  await m.start(readingModule, { results, studies, worklist: noWorklist });
  return { guard: security.guard, security };
}

describe('reading over HTTP', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  let base: string;
  const cookie: Record<string, string> = {};
  beforeAll(async () => {
    app = await startTestAppWith({}, wire);
    base = `http://127.0.0.1:${app.httpPort()}`;
    const auth = app.services.security;
    await auth.users.create({ username: 'reader', displayName: 'Dr Reader', password: 'reader password', roles: ['radiologist'] });
    await auth.users.create({ username: 'boss', password: 'admin password', roles: ['admin'] });
    for (const [u, p] of [
      ['reader', 'reader password'],
      ['boss', 'admin password'],
    ] as const) {
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: u, password: p }),
      });
      cookie[u] = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    }
  });
  afterAll(async () => app.close());

  const call = async (who: string, method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        cookie: cookie[who] ?? '',
        ...(body !== undefined ? { 'content-type': 'application/json' } : { 'x-requested-with': 'readfirst' }),
      },
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
