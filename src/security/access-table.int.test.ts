import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import { authOf, bearer, serviceToken } from '../../test/support/auth.ts';
import type { App } from '../app/app.ts';
import type { Access, Role, RouteDef, Scope } from '../http/route.ts';
import { registeredRoutes } from '../http/server.ts';
import { PUBLIC_ROUTES } from '../http/access-rules.ts';
import { allows } from './guard.ts';
import type { Principal } from './users.ts';

const PEOPLE: readonly Role[] = ['radiologist', 'technologist', 'admin', 'auditor'];
const ALL_SCOPES: readonly Scope[] = ['dicomweb:read', 'dicomweb:write', 'metrics', 'fhir:read', 'workitems', 'audit:read'];

/** A concrete path for a route pattern: UIDs for UID parameters, a plain word for the rest. */
function concrete(url: string): string {
  return url
    .replace(/:(\w+)/g, (_m, name: string) => (/study|series|instance|uid/i.test(name) ? '1.2.3.4' : name === 'frames' ? '1' : 'x'))
    .replace('*', 'x');
}

type Who = { kind: 'session'; role: Role } | { kind: 'token'; scopes: Scope[] };

function principalFor(who: Who): Principal {
  return who.kind === 'session'
    ? { userId: 'u', username: 'u', displayName: 'u', roles: [who.role], via: 'session' }
    : { userId: 's', username: 's', displayName: 's', roles: ['service'], via: 'token', scopes: who.scopes };
}

/** Someone the rule refuses: a person in another role, or a token whose scopes the route does not name. */
function refusedBy(access: Access): Who {
  for (const role of PEOPLE) if (!allows(access, principalFor({ kind: 'session', role }))) return { kind: 'session', role };
  const named = access === 'public' || access === 'authenticated' ? [] : (access.scopes ?? []);
  return { kind: 'token', scopes: ALL_SCOPES.filter((s) => !named.includes(s)).slice(0, 1) };
}

// Issue 12, defect 1, and "What to build" 2: every registered route, from the table, with its rule.
describe('the route table', () => {
  let app: App;
  let base: string;
  const cookies = new Map<Role, string>();
  const tokens = new Map<string, string>();
  let table: RouteDef[];

  beforeAll(async () => {
    app = await startTestApp({ 'dimse.enabled': false });
    base = `http://127.0.0.1:${app.httpPort()}`;
    const auth = authOf(app);
    for (const role of PEOPLE) {
      await auth.users.create({ username: `${role}-1`, password: `${role} password 1`, roles: [role] });
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `${role}-1`, password: `${role} password 1` }),
      });
      expect(res.status).toBe(200);
      cookies.set(role, (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '');
    }
    for (const scope of ALL_SCOPES) tokens.set(scope, await serviceToken(app, [scope]));
    table = registeredRoutes(app.http).flatMap((r) => (r.route ? [r.route] : []));
  });
  afterAll(async () => app.close());

  async function call(route: { method: string; url: string }, who?: Who): Promise<number> {
    const headers: Record<string, string> = { 'x-requested-with': 'readfirst' };
    if (who?.kind === 'session') headers.cookie = cookies.get(who.role) ?? '';
    if (who?.kind === 'token') Object.assign(headers, bearer(tokens.get(who.scopes[0] ?? '') ?? ''));
    const res = await fetch(`${base}${concrete(route.url)}`, { method: route.method, headers, signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return res.status;
  }

  it('has an access rule for every route fastify registered, and lists each in /openapi.json', async () => {
    const routes = registeredRoutes(app.http);
    expect(routes.length).toBeGreaterThan(30);
    const orphans = routes.filter((r) => !r.fromTable).map((r) => `${r.method} ${r.url}`);
    expect(orphans, 'routes registered outside the route table (no access rule)').toEqual([]);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-readfirst-access': unknown }>>;
    };
    for (const r of routes) {
      const path = r.url.replace(/:(\w+)/g, '{$1}').replace('*', '{path}');
      expect(doc.paths[path]?.[r.method.toLowerCase()]?.['x-readfirst-access'], `${r.method} ${r.url} in openapi.json`).toBeDefined();
    }
  });

  it('lets only the listed public routes be public', () => {
    const open = [...table.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`), 'GET /openapi.json'];
    for (const key of open) expect(PUBLIC_ROUTES.has(key), key).toBe(true);
    for (const key of ['GET /metrics', 'GET /dicom-web/studies', 'POST /dicom-web/studies']) expect(open).not.toContain(key);
  });

  it('answers 401 without credentials on every non-public route, and 403 to a refused role or scope', async () => {
    const failures: string[] = [];
    for (const route of table) {
      if (route.access === 'public') continue;
      const anonymous = await call(route);
      if (anonymous !== 401) failures.push(`${route.method} ${route.url}: anonymous got ${anonymous}`);
      const who = refusedBy(route.access);
      const refused = await call(route, who);
      if (refused !== 403) failures.push(`${route.method} ${route.url}: ${JSON.stringify(who)} got ${refused}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses a revoked token and a forged one with 401', async () => {
    const auth = authOf(app);
    const token = await serviceToken(app, ['dicomweb:read']);
    const route = { method: 'GET', url: '/dicom-web/studies' };
    const ok = await fetch(`${base}${route.url}`, { headers: bearer(token) });
    expect(ok.status).toBe(200);
    const listed = (await auth.tokens.list()).at(-1);
    await auth.tokens.revoke(listed?.tokenId ?? '');
    expect((await fetch(`${base}${route.url}`, { headers: bearer(token) })).status).toBe(401);
    expect((await fetch(`${base}${route.url}`, { headers: bearer('rft_forged') })).status).toBe(401);
    expect((await fetch(`${base}${route.url}`, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });

  // The RBAC matrix a security officer signs off: Y allowed, n refused (403). Columns: the four
  // roles, then tokens with dicomweb:read, dicomweb:write, metrics, audit:read.
  const MATRIX: Array<[string, string, string]> = [
    ['GET', '/dicom-web/studies', 'YYYn Ynnn'],
    ['GET', '/dicom-web/studies/:study/series/:series/instances/:instance/metadata', 'YYYn Ynnn'],
    ['POST', '/dicom-web/studies', 'nYYn nYnn'],
    ['GET', '/metrics', 'nnYn nnYn'],
    ['GET', '/api/audit', 'nnnY nnnY'],
    ['GET', '/api/users', 'nnYn nnnn'],
    ['POST', '/api/tokens', 'nnYn nnnn'],
    ['GET', '/api/worklist', 'YYYn nnnn'],
    ['PUT', '/api/readings/:studyUid/findings/:findingKey', 'Ynnn nnnn'],
    ['POST', '/api/readings/:studyUid/sign', 'Ynnn nnnn'],
    ['GET', '/api/auth/me', 'YYYY nnnn'],
  ];
  const COLUMNS: Who[] = [
    ...PEOPLE.map((role): Who => ({ kind: 'session', role })),
    ...(['dicomweb:read', 'dicomweb:write', 'metrics', 'audit:read'] as const).map((s): Who => ({ kind: 'token', scopes: [s] })),
  ];

  it('holds the RBAC matrix', async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const [method, url, expected] of MATRIX) {
      const cells: string[] = [];
      for (const who of COLUMNS) {
        const status = await call({ method, url }, who);
        cells.push(status === 403 || status === 401 ? 'n' : 'Y');
      }
      got.push(`${method} ${url} ${cells.slice(0, 4).join('')} ${cells.slice(4).join('')}`);
      want.push(`${method} ${url} ${expected}`);
    }
    expect(got).toEqual(want);
  });
});
