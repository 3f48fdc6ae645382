import type { Access, RouteDef } from './route.ts';

type Json = Record<string, unknown>;

/** `/dicom-web/studies/:study` → `/dicom-web/studies/{study}`, and its path parameters. */
function openApiPath(url: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = url
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        params.push(seg.slice(1));
        return `{${seg.slice(1)}}`;
      }
      if (seg === '*') {
        params.push('path');
        return '{path}';
      }
      return seg;
    })
    .join('/');
  return { path, params };
}

function describeAccess(access: Access): { text: string; security: Json[] } {
  if (access === 'public') return { text: 'public: no credentials needed', security: [] };
  if (access === 'authenticated')
    return { text: 'signed-in person with a clinical role (radiologist, technologist, admin)', security: [{ session: [] }] };
  const scopes = access.scopes ?? [];
  return {
    text: `roles: ${access.roles.join(', ')}${scopes.length ? `; API token scopes: ${scopes.join(', ')}` : ''}`,
    security: [{ session: [] }, ...(scopes.length ? [{ apiToken: [...scopes] }] : [])],
  };
}

/**
 * The OpenAPI 3.1 description of the route table, generated from the same `RouteDef` data the
 * server registers, so it cannot drift: each operation states who may call it
 * (`x-readfirst-access`, `security`) and whether it returns patient data (`x-readfirst-phi`).
 */
export function openApiDocument(routes: readonly RouteDef[]): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const { path, params } = openApiPath(r.url);
    const access = describeAccess(r.access);
    const op: Json = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+/g, '_')}`,
      parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      security: access.security,
      'x-readfirst-access': r.access,
      'x-readfirst-phi': r.phi === true,
      description: `Access: ${access.text}.${r.phi ? ' Returns patient data: every call is audited.' : ''}`,
      responses: {
        '200': { description: 'success' },
        ...(r.access === 'public'
          ? {}
          : { '401': { description: 'no or invalid credentials' }, '403': { description: 'role or token scope not allowed' } }),
      },
    };
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'readfirst', version: '0.1.0', description: 'AI triage for radiology. Every route and who may call it.' },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'rf_session', description: 'browser session from POST /api/auth/login' },
        apiToken: { type: 'http', scheme: 'bearer', description: 'service-account API token (`readfirst token create`), scoped' },
      },
    },
    paths,
  };
}

/** `GET /openapi.json`, describing every other route and itself. */
export function openApiRoute(routes: readonly RouteDef[]): RouteDef {
  const self: RouteDef = {
    method: 'GET',
    url: '/openapi.json',
    access: 'public',
    summary: 'the OpenAPI description of every route and its access rule',
    handler: async () => doc,
  };
  const doc = openApiDocument([...routes, self]);
  return self;
}
