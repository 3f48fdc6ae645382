import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import type { App } from './app.ts';
import { bearer, serviceToken } from '../../test/support/auth.ts';

let token = '';
import { appModules } from './modules.ts';

describe('server start', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
    token = await serviceToken(app);
  });
  afterAll(async () => app.close());

  it('answers /healthz with the database dialect', async () => {
    const res = await fetch(`http://127.0.0.1:${app.httpPort()}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'sqlite' });
  });

  it('starts exactly the modules whose migrations the tools apply', () => {
    expect(app.modules).toEqual(appModules.map((m) => m.name));
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${app.httpPort()}/metrics`, { headers: bearer(token) });
    const text = await res.text();
    expect(text).toMatch(/readfirst_process_cpu/);
    expect(text).toMatch(/^readfirst_event_loop_lag_seconds\{quantile="0.99"\} \d/m);
  });
});
