import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import { SESSION_COOKIE, clearedSessionCookie, parseCookies, sessionCookie } from './cookies.ts';
import { requirePrincipal } from './guard.ts';
import { LoginThrottle } from './login-throttle.ts';
import type { SessionStore } from './sessions.ts';
import { type UserStore, parseRoles } from './users.ts';

const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();
const newUserBody = z
  .object({ username: z.string(), displayName: z.string().max(128).optional(), password: z.string(), roles: z.array(z.string()).min(1) })
  .strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new ReadfirstError('invalid-input', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

function requireJson(req: FastifyRequest): void {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new ReadfirstError('unsupported', 'send JSON');
}

/** Sign-in, sign-out, "who am I", and user administration (admin only). */
export function securityRoutes(deps: { users: UserStore; sessions: SessionStore; clock: Clock; secureCookies: boolean }): RouteDef[] {
  const { users, sessions, secureCookies } = deps;
  const throttle = new LoginThrottle(deps.clock);
  return [
    {
      method: 'POST',
      url: '/api/auth/login',
      access: 'public',
      summary: 'sign in with username and password; sets the session cookie',
      handler: async (req, reply) => {
        requireJson(req);
        const { username, password } = parse(loginBody, req.body);
        throttle.check(username);
        const user = await users.authenticate(username, password);
        if (!user) {
          throttle.failed(username);
          throw new ReadfirstError('unauthenticated', 'wrong username or password');
        }
        throttle.succeeded(username);
        const { token, expiresAt } = await sessions.create(user.userId);
        void reply.header('set-cookie', sessionCookie(token, { maxAgeMs: expiresAt - deps.clock.now(), secure: secureCookies }));
        void reply.header('cache-control', 'no-store');
        return { userId: user.userId, username: user.username, displayName: user.displayName, roles: user.roles, expiresAt };
      },
    },
    {
      method: 'POST',
      url: '/api/auth/logout',
      access: 'authenticated',
      summary: 'end the current session',
      handler: async (req, reply) => {
        const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
        if (token) await sessions.revoke(token);
        void reply.header('set-cookie', clearedSessionCookie(secureCookies));
        return { signedOut: true };
      },
    },
    {
      method: 'GET',
      url: '/api/auth/me',
      access: 'authenticated',
      summary: 'the signed-in user and roles',
      handler: async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return requirePrincipal(req);
      },
    },
    {
      method: 'GET',
      url: '/api/users',
      access: { roles: ['admin'] },
      summary: 'list users (admin)',
      handler: async () => (await users.list()).map(({ userId, username, displayName, roles, disabled }) => ({ userId, username, displayName, roles, disabled })),
    },
    {
      method: 'POST',
      url: '/api/users',
      access: { roles: ['admin'] },
      summary: 'create a user (admin)',
      handler: async (req, reply) => {
        const body = parse(newUserBody, req.body);
        const user = await users.create({ ...body, roles: parseRoles(body.roles) });
        return reply.status(201).send({ userId: user.userId, username: user.username, roles: user.roles });
      },
    },
  ];
}
