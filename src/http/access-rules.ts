import type { Access, HttpMethod, RouteDef } from './route.ts';

/**
 * The access rules shared across domains, in one place a security officer can review. Routes
 * name one of these (or their own `{ roles, scopes }`); the guard enforces whatever the route
 * table says, and `access-table.int.test.ts` proves it for every registered route.
 */
export const ACCESS = {
  /** DICOMweb QIDO/WADO: patient data, read by the viewer (session) or PACS/OHIF clients (token). */
  dicomwebRead: { roles: ['radiologist', 'technologist', 'admin'], scopes: ['dicomweb:read'] },
  /** DICOMweb STOW: putting a study on the worklist is an acquisition-side act. */
  dicomwebWrite: { roles: ['technologist', 'admin'], scopes: ['dicomweb:write'] },
  /** FHIR read (reports as DiagnosticReport/Observation). */
  fhirRead: { roles: ['radiologist', 'admin'], scopes: ['fhir:read'] },
  /** UPS-RS work items for AI orchestration. */
  workitems: { roles: ['admin'], scopes: ['workitems'] },
  /** Prometheus scraping: an admin, or a token with the `metrics` scope. */
  metrics: { roles: ['admin'], scopes: ['metrics'] },
  /** The audit trail: auditors (and a token for a SIEM). Admins administer, they do not audit themselves. */
  audit: { roles: ['auditor'], scopes: ['audit:read'] },
  /** User, token and policy administration. */
  admin: { roles: ['admin'] },
  /** Clinical reading acts (verdicts, signing). */
  reader: { roles: ['radiologist'] },
} as const satisfies Record<string, Access>;

/**
 * The only routes that may be `public`: liveness, readiness (no patient data), sign-in, the API description and the web app's
 * static files (which hold no patient data; everything they fetch is behind sign-in). A route
 * marked public that is not listed here is refused for everyone (fail closed).
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'GET /healthz',
  'GET /readyz',
  'POST /api/auth/login',
  'GET /openapi.json',
  'GET /',
  'GET /*',
]);

export function routeKey(route: { method: HttpMethod; url: string }): string {
  return `${route.method} ${route.url}`;
}

/** Routes that say `public` without being allowed to: the server refuses them to everyone. */
export function unlistedPublicRoutes(routes: readonly RouteDef[]): string[] {
  return routes.filter((r) => r.access === 'public' && !PUBLIC_ROUTES.has(routeKey(r))).map(routeKey);
}
