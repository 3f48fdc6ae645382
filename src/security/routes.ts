import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import { ACCESS } from '../http/access-rules.ts';
import type { Auditor } from './audit/auditor.ts';
import { SESSION_COOKIE, clearedSessionCookie, parseCookies, sessionCookie } from './cookies.ts';
import { requirePrincipal } from './guard.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { SessionStore } from './sessions.ts';
import { type UserStore, parseRoles } from './users.ts';

const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();
const passwordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) }).strict();
const newUserBody = z
  .object({ username: z.string(), displayName: z.string().max(128).optional(), password: z.string(), roles: z.array(z.string()).min(1) })
  .strict();
const userPatchBody = z
  .object({ roles: z.array(z.string()).min(1).optional(), disabled: z.boolean().optional(), password: z.string().max(1024).optional() })
  .strict();

export function parseBody<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success)
    throw new ReadfirstError('invalid-input', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

function requireJson(req: FastifyRequest): void {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new ReadfirstError('unsupported', 'send JSON');
}

export interface SecurityRouteDeps {
  users: UserStore;
  sessions: SessionStore;
  clock: Clock;
  secureCookies: boolean;
  throttle: LoginThrottle;
  auditor: Auditor;
}

/** Sign-in, sign-out, "who am I", own password change, and user administration (admin only). */
export function securityRoutes(deps: SecurityRouteDeps): RouteDef[] {
  const { users, sessions, secureCookies, throttle, auditor } = deps;
  const actorOf = (req: FastifyRequest): { actor: string; actorRoles: string; source: string } => {
    const p = requirePrincipal(req);
    return { actor: p.username, actorRoles: p.roles.join(','), source: req.ip };
  };
  return [
    {
      method: 'POST',
      url: '/api/auth/login',
      access: 'public',
      summary: 'sign in with username and password; sets the session cookie',
      handler: async (req, reply) => {
        requireJson(req);
        const { username, password } = parseBody(loginBody, req.body);
        const audit = (outcome: 'success' | 'failure', why: string, roles = ''): Promise<void> =>
          auditor.record({
            action: 'user.login',
            outcome,
            actor: username.toLowerCase(),
            actorRoles: roles,
            source: req.ip,
            objectType: 'user',
            objectId: username.toLowerCase(),
            detail: { result: why },
          });
        try {
          throttle.check(username, req.ip);
        } catch (e) {
          await audit('failure', 'throttled');
          throw e;
        }
        const user = await users.authenticate(username, password);
        if (!user) {
          throttle.failed(username, req.ip);
          await audit('failure', 'wrong username or password');
          throw new ReadfirstError('unauthenticated', 'wrong username or password');
        }
        throttle.succeeded(username, req.ip);
        const { token, expiresAt } = await sessions.create(user.userId);
        await audit('success', 'signed in', user.roles.join(','));
        void reply.header('set-cookie', sessionCookie(token, { maxAgeMs: expiresAt - deps.clock.now(), secure: secureCookies }));
        return { userId: user.userId, username: user.username, displayName: user.displayName, roles: user.roles, expiresAt };
      },
    },
    {
      method: 'POST',
      url: '/api/auth/logout',
      access: { roles: ['radiologist', 'technologist', 'admin', 'auditor'] },
      summary: 'end the current session',
      handler: async (req, reply) => {
        const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
        if (token) await sessions.revoke(token);
        await auditor.record({
          action: 'user.logout',
          outcome: 'success',
          ...actorOf(req),
          objectType: 'user',
          objectId: requirePrincipal(req).username,
        });
        void reply.header('set-cookie', clearedSessionCookie(secureCookies));
        return { signedOut: true };
      },
    },
    {
      method: 'GET',
      url: '/api/auth/me',
      access: { roles: ['radiologist', 'technologist', 'admin', 'auditor'] },
      summary: 'the signed-in user and roles',
      handler: async (req) => {
        const { userId, username, displayName, roles } = requirePrincipal(req);
        return { userId, username, displayName, roles };
      },
    },
    {
      method: 'POST',
      url: '/api/auth/password',
      access: { roles: ['radiologist', 'technologist', 'admin', 'auditor'] },
      summary: 'change your own password; every other session of yours ends',
      handler: async (req, reply) => {
        const me = requirePrincipal(req);
        const body = parseBody(passwordBody, req.body);
        if (!(await users.authenticate(me.username, body.currentPassword)))
          throw new ReadfirstError('forbidden', 'the current password is wrong');
        await users.setPassword(me.username, body.newPassword);
        // Every session ends, this one included, then this one is re-issued: a thief's cookie dies.
        await sessions.revokeAllFor(me.userId);
        const { token, expiresAt } = await sessions.create(me.userId);
        await auditor.record({
          action: 'user.changed',
          outcome: 'success',
          ...actorOf(req),
          objectType: 'user',
          objectId: me.username,
          detail: { change: 'password', sessionsRevoked: true },
        });
        void reply.header('set-cookie', sessionCookie(token, { maxAgeMs: expiresAt - deps.clock.now(), secure: secureCookies }));
        return { changed: true, otherSessionsEnded: true };
      },
    },
    {
      method: 'GET',
      url: '/api/users',
      access: ACCESS.admin,
      summary: 'list users (admin)',
      handler: async () =>
        (await users.list()).map(({ userId, username, displayName, roles, disabled }) => ({
          userId,
          username,
          displayName,
          roles,
          disabled,
        })),
    },
    {
      method: 'POST',
      url: '/api/users',
      access: ACCESS.admin,
      summary: 'create a user (admin)',
      handler: async (req, reply) => {
        const body = parseBody(newUserBody, req.body);
        const user = await users.create({ ...body, roles: parseRoles(body.roles) });
        await auditor.record({
          action: 'user.changed',
          outcome: 'success',
          ...actorOf(req),
          objectType: 'user',
          objectId: user.username,
          detail: { change: 'created', roles: user.roles },
        });
        return reply.status(201).send({ userId: user.userId, username: user.username, roles: user.roles });
      },
    },
    {
      method: 'PATCH',
      url: '/api/users/:username',
      access: ACCESS.admin,
      summary: "change a user's roles, disable or enable them, or reset their password (their sessions end)",
      handler: async (req) => {
        const username = String((req.params as { username?: string }).username ?? '');
        const body = parseBody(userPatchBody, req.body);
        let user = await users.findByUsername(username);
        if (!user) throw new ReadfirstError('not-found', `no user ${username}`);
        if (body.roles) user = await users.setRoles(username, parseRoles(body.roles));
        if (body.disabled !== undefined) user = await users.setDisabled(username, body.disabled);
        if (body.password !== undefined) await users.setPassword(username, body.password);
        // Any change of who someone is or what they may do ends their sessions.
        await sessions.revokeAllFor(user.userId);
        const change = Object.keys(body).map((k) => (k === 'password' ? 'password reset' : k));
        await auditor.record({
          action: 'user.changed',
          outcome: 'success',
          ...actorOf(req),
          objectType: 'user',
          objectId: user.username,
          detail: { change, roles: user.roles, disabled: user.disabled },
        });
        return { userId: user.userId, username: user.username, roles: user.roles, disabled: user.disabled };
      },
    },
  ];
}
