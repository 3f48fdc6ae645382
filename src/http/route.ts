import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../core/errors.ts';

/**
 * People's roles. `service` is the role of a service account (OHIF, Orthanc, a Prometheus
 * scraper): it signs in only with an API token and reaches only routes that name one of the
 * token's scopes.
 */
export type Role = 'radiologist' | 'technologist' | 'admin' | 'auditor' | 'service';

/** What an API token may do; a route names the scopes that admit a token (see src/security/scopes.ts). */
export type Scope = 'dicomweb:read' | 'dicomweb:write' | 'metrics' | 'fhir:read' | 'workitems' | 'audit:read';

/**
 * Who may call a route. The security layer enforces this for every route in one place.
 * - `public`: anyone; only the routes listed in src/http/access-rules.ts may say so.
 * - `authenticated`: any signed-in person in a clinical role (radiologist, technologist, admin);
 *   never an auditor-only account, never an API token.
 * - `{ roles, scopes }`: a signed-in person with one of `roles`, or an API token with one of `scopes`.
 */
export type Access = 'public' | 'authenticated' | { roles: readonly Role[]; scopes?: readonly Scope[] };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One HTTP route, declared as data. Each domain exports a list of these; the server registers
 * them all and wraps each with the same authorisation hook, so no route is forgotten. The union of
 * every module's list is the route table that `/openapi.json` publishes.
 */
export interface RouteDef {
  method: HttpMethod;
  url: string;
  access: Access;
  /** Short description for the route listing and the audit log. */
  summary: string;
  /** Whether the response carries patient data: audited on every call, sent with Cache-Control: no-store. */
  phi?: boolean;
  /**
   * The error body of a protocol that defines its own (FHIR's OperationOutcome). The server's one
   * error handler still maps the error to its status; this only writes the body. Default:
   * `{ error, message, details }` JSON.
   */
  errorBody?: ErrorBody;
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** An error as the HTTP boundary mapped it, for a route's own {@link RouteDef.errorBody}. */
export interface HttpError {
  status: number;
  code: ErrorCode;
  message: string;
}

export type ErrorBody = (e: HttpError) => { contentType: string; body: unknown };

/** The signed-in user's name for a request, as the access guard established it (security provides it). */
export type UserOf = (req: FastifyRequest) => string | undefined;
