import type { FastifyRequest } from 'fastify';
import { ReadfirstError } from '../core/errors.ts';
import type { AccessGuard } from '../http/server.ts';
import type { Access, RouteDef } from '../http/route.ts';
import { SESSION_COOKIE, parseCookies } from './cookies.ts';
import type { SessionStore } from './sessions.ts';
import type { Principal, UserStore } from './users.ts';

const principals = new WeakMap<FastifyRequest, Principal>();

/** Who made this request, as established by the guard; undefined on public routes without a session. */
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

/**
 * CSRF defence in depth behind SameSite=Strict: a cookie-authenticated mutation must carry either
 * a JSON body or the `X-Requested-With` header. Neither can be sent cross-site without a CORS
 * preflight, which this server never grants.
 */
export function isCsrfSafe(req: FastifyRequest): boolean {
  if (SAFE_METHODS.has(req.method)) return true;
  if (typeof req.headers['x-requested-with'] === 'string') return true;
  const type = req.headers['content-type'] ?? '';
  return /^application\/(.+\+)?json\b/i.test(type);
}

export function allows(access: Access, principal: Principal | undefined): boolean {
  if (access === 'public') return true;
  if (!principal) return false;
  if (access === 'authenticated') return true;
  return access.roles.some((r) => principal.roles.includes(r));
}

/**
 * The one place that decides who may call a route. It runs before every handler: resolves the
 * session cookie to a principal, enforces `RouteDef.access`, and checks CSRF on mutations.
 * Later: API tokens and the audit log hook in here.
 */
export function createGuard(sessions: SessionStore, users: UserStore): AccessGuard {
  return async (req: FastifyRequest, route: RouteDef) => {
    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    let principal: Principal | undefined;
    if (token) {
      const session = await sessions.lookup(token);
      const user = session && (await users.get(session.userId));
      if (user && !user.disabled) {
        principal = { userId: user.userId, username: user.username, displayName: user.displayName, roles: user.roles };
        principals.set(req, principal);
      }
    }
    // Public routes take no cookie authority, so CSRF cannot borrow any; login checks JSON itself.
    if (route.access === 'public') return;
    if (!principal) throw new ReadfirstError('unauthenticated', 'sign in required');
    if (!allows(route.access, principal)) throw new ReadfirstError('forbidden', 'your role does not allow this');
    if (!isCsrfSafe(req)) throw new ReadfirstError('forbidden', 'mutations need a JSON body or X-Requested-With');
  };
}
