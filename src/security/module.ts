import type { AppContext, AppModule } from '../app/context.ts';
import { createGuard } from './guard.ts';
import { securityRoutes } from './routes.ts';
import { SessionStore } from './sessions.ts';
import { UserStore } from './users.ts';

/** Services the security module publishes for others (`ctx.services.auth`). */
export interface AuthService {
  users: UserStore;
  sessions: SessionStore;
}

/**
 * Users, sessions and the access guard. It sets `ctx.services.guard`, which the HTTP server runs
 * before every route, so authorisation lives in this one place.
 */
export async function initSecurity(ctx: AppContext): Promise<AppModule> {
  const users = new UserStore(ctx.db, ctx.clock);
  const sessions = new SessionStore(ctx.db, ctx.clock, ctx.config.security.sessionTtlMs);
  await sessions.purgeExpired();
  ctx.services.guard = createGuard(sessions, users);
  const auth: AuthService = { users, sessions };
  ctx.services.auth = auth;
  if ((await users.count()) === 0) ctx.logger.warn('no users yet: create the first admin with `readfirst user add --admin <name>`');
  return {
    name: 'security',
    routes: securityRoutes({ users, sessions, clock: ctx.clock, secureCookies: ctx.config.security.secureCookies }),
  };
}
