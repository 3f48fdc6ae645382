import type { FastifyRequest } from 'fastify';
import { ReadfirstError } from '../core/errors.ts';
import type { AccessGuard } from '../http/server.ts';
import type { Access, RouteDef, Role } from '../http/route.ts';
import { PUBLIC_ROUTES, routeKey } from '../http/access-rules.ts';
import { type ApiTokenStore, bearerToken } from './api-tokens.ts';
import { SESSION_COOKIE, parseCookies } from './cookies.ts';
import type { SessionStore } from './sessions.ts';
import type { Principal, UserStore } from './users.ts';

const principals = new WeakMap<FastifyRequest, Principal>();

/** Who made this request, as established by the guard; undefined on public routes without credentials. */
export function principalOf(req: FastifyRequest): Principal | undefined {
  return principals.get(req);
}

/** The principal of a request that passed an authenticated route's guard. */
export function requirePrincipal(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw new ReadfirstError('unauthenticated', 'sign in required');
  return p;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Roles that `access: 'authenticated'` admits: the people who work with studies. */
export const CLINICAL_ROLES: readonly Role[] = ['radiologist', 'technologist', 'admin'];

/**
 * CSRF defence in depth behind SameSite=Strict: a cookie-authenticated mutation must carry either
 * a JSON body or the `X-Requested-With` header. Neither can be sent cross-site without a CORS
 * preflight, which this server never grants. Bearer-token requests carry no ambient authority.
 */
export function isCsrfSafe(req: FastifyRequest): boolean {
  if (SAFE_METHODS.has(req.method)) return true;
  if (typeof req.headers['x-requested-with'] === 'string') return true;
  const type = req.headers['content-type'] ?? '';
  return /^application\/(.+\+)?json\b/i.test(type);
}

/** Whether `principal` may call a route with `access` (the rules are spelled out on `Access`). */
export function allows(access: Access, principal: Principal | undefined): boolean {
  if (access === 'public') return true;
  if (!principal) return false;
  if (principal.via === 'token') {
    if (access === 'authenticated') return false;
    return (access.scopes ?? []).some((s) => principal.scopes?.includes(s) === true);
  }
  if (access === 'authenticated') return principal.roles.some((r) => CLINICAL_ROLES.includes(r));
  return access.roles.some((r) => principal.roles.includes(r));
}

/** Resolves the request's credentials (bearer token first, then session cookie) to a principal. */
export async function authenticate(
  req: FastifyRequest,
  deps: { sessions: SessionStore; users: UserStore; tokens: ApiTokenStore },
): Promise<Principal | undefined> {
  const bearer = bearerToken(req.headers.authorization);
  if (req.headers.authorization !== undefined) {
    // A request that presents a token is judged by that token alone, never by a cookie beside it.
    const grant = bearer ? await deps.tokens.lookup(bearer) : undefined;
    const user = grant && (await deps.users.get(grant.userId));
    if (!grant || !user || user.disabled) throw new ReadfirstError('unauthenticated', 'invalid, expired or revoked API token');
    return {
      userId: user.userId,
      username: user.username,
      displayName: user.displayName,
      roles: user.roles,
      via: 'token',
      scopes: grant.scopes,
      tokenId: grant.tokenId,
    };
  }
  const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
  if (!token) return undefined;
  const session = await deps.sessions.lookup(token);
  const user = session && (await deps.users.get(session.userId));
  if (!user || user.disabled || user.roles.includes('service')) return undefined;
  return { userId: user.userId, username: user.username, displayName: user.displayName, roles: user.roles, via: 'session' };
}

/**
 * The one place that decides who may call a route. It runs when the request arrives, before its
 * body is read (an anonymous client cannot make the server read a 2 GB upload): resolves the
 * bearer token or session cookie to a principal, enforces `RouteDef.access`, refuses a `public`
 * route that the access rules do not list, and checks CSRF on cookie-authenticated mutations.
 */
export function createGuard(deps: { sessions: SessionStore; users: UserStore; tokens: ApiTokenStore }): AccessGuard {
  return async (req: FastifyRequest, route: RouteDef) => {
    if (route.access === 'public' && !PUBLIC_ROUTES.has(routeKey(route)))
      throw new ReadfirstError('forbidden', 'this route has no access rule');
    let principal: Principal | undefined;
    try {
      principal = await authenticate(req, deps);
    } catch (e) {
      if (route.access === 'public') return;
      throw e;
    }
    if (principal) principals.set(req, principal);
    // Public routes take no cookie authority, so CSRF cannot borrow any; login checks JSON itself.
    if (route.access === 'public') return;
    if (!principal) throw new ReadfirstError('unauthenticated', 'sign in required');
    if (!allows(route.access, principal))
      throw new ReadfirstError(
        'forbidden',
        principal.via === 'token' ? 'this token has no scope for this route' : 'your role does not allow this',
      );
    if (principal.via === 'session' && !isCsrfSafe(req))
      throw new ReadfirstError('forbidden', 'mutations need a JSON body or X-Requested-With');
  };
}
