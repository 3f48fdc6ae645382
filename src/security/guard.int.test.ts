import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppWith } from '../../test/support/app.ts';
import type { App } from '../app/app.ts';
import { defineModule } from '../core/module.ts';
import type { ModuleRunner } from '../app/runner.ts';
import { securityModule } from './module.ts';

/** A module with one route per access rule, to prove the guard wraps every route. */
const probeModule = defineModule({
  name: 'probe',
  async start(_ctx, _deps: Record<never, never>) {
    const ok = async (): Promise<unknown> => ({ ok: true });
    return {
      provides: {},
      routes: [
        { method: 'GET', url: '/probe/public', access: 'public', summary: 'p', handler: ok },
        { method: 'GET', url: '/probe/any', access: 'authenticated', summary: 'a', handler: ok },
        { method: 'GET', url: '/probe/admin', access: { roles: ['admin'] }, summary: 'ad', handler: ok },
        { method: 'GET', url: '/probe/reader', access: { roles: ['radiologist'] }, summary: 'r', handler: ok },
        { method: 'POST', url: '/probe/mutate', access: 'authenticated', summary: 'm', handler: ok },
      ],
    };
  },
});

async function wire(m: ModuleRunner) {
  const security = await m.start(securityModule, {});
  await m.start(probeModule, {});
  return { guard: security.guard, security };
}

// The guard is storage-agnostic; users and sessions on both databases are covered in sessions.int.test.ts.
describe('the access guard', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  let base: string;
  const cookies: Record<string, string> = {};

  async function login(username: string, password: string): Promise<Response> {
    return fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  }

  beforeAll(async () => {
    app = await startTestAppWith({ 'security.sessionTtlMs': 3_600_000 }, wire);
    base = `http://127.0.0.1:${app.httpPort()}`;
    const auth = app.services.security;
    const suffix = Math.random().toString(36).slice(2, 8);
    await auth.users.create({ username: `admin-${suffix}`, password: 'admin password 1', roles: ['admin'] });
    await auth.users.create({ username: `reader-${suffix}`, password: 'reader password 1', roles: ['radiologist'] });
    for (const who of ['admin', 'reader']) {
      const res = await login(`${who}-${suffix}`, `${who} password 1`);
      expect(res.status).toBe(200);
      const set = res.headers.get('set-cookie') ?? '';
      expect(set).toMatch(/HttpOnly/);
      expect(set).toMatch(/SameSite=Strict/);
      expect(set).not.toMatch(/Secure/);
      cookies[who] = set.split(';')[0] ?? '';
    }
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (path: string, who?: string): Promise<Response> =>
    fetch(`${base}${path}`, { headers: who ? { cookie: cookies[who] ?? '' } : {} });

  it('refuses a public route the access rules do not list, and anyone without a session elsewhere', async () => {
    expect((await get('/probe/public')).status).toBe(403);
    expect((await get('/probe/public', 'admin')).status).toBe(403);
    for (const p of ['/probe/any', '/probe/admin', '/probe/reader', '/api/auth/me']) expect((await get(p)).status).toBe(401);
    expect((await get('/probe/any', undefined)).status).toBe(401);
    const forged = await fetch(`${base}/probe/any`, { headers: { cookie: 'rf_session=forged-token' } });
    expect(forged.status).toBe(401);
  });

  it('enforces roles', async () => {
    expect((await get('/probe/admin', 'admin')).status).toBe(200);
    expect((await get('/probe/admin', 'reader')).status).toBe(403);
    expect((await get('/probe/reader', 'reader')).status).toBe(200);
    expect((await get('/probe/reader', 'admin')).status).toBe(403);
    expect((await get('/api/users', 'reader')).status).toBe(403);
    expect((await get('/api/users', 'admin')).status).toBe(200);
    expect(((await (await get('/api/auth/me', 'reader')).json()) as { roles: string[] }).roles).toEqual(['radiologist']);
  });

  it('refuses cookie-authenticated mutations without a JSON body or X-Requested-With (CSRF)', async () => {
    const cookie = cookies.reader ?? '';
    const form = await fetch(`${base}/probe/mutate`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(form.status).toBe(403);
    const json = await fetch(`${base}/probe/mutate`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(200);
    const xhr = await fetch(`${base}/probe/mutate`, { method: 'POST', headers: { cookie, 'x-requested-with': 'readfirst' } });
    expect(xhr.status).toBe(200);
    const formLogin = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=x&password=y',
    });
    expect(formLogin.status).toBe(415);
  });

  it('refuses a wrong password and ends the session on logout', async () => {
    expect((await login('nobody', 'whatever password')).status).toBe(401);
    const cookie = cookies.admin ?? '';
    const out = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { cookie, 'x-requested-with': 'readfirst' } });
    expect(out.status).toBe(200);
    expect((await get('/api/auth/me', 'admin')).status).toBe(401);
  });
});
