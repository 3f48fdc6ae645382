import { defineModule } from '../core/module.ts';
import type { UserOf } from '../http/route.ts';
import type { AccessGuard } from '../http/server.ts';
import { createGuard, principalOf } from './guard.ts';
import { securityMigrations } from './migrations.ts';
import { securityRoutes } from './routes.ts';
import { SessionStore } from './sessions.ts';
import { UserStore } from './users.ts';

/** What the security module offers the others. */
export interface SecurityServices {
  /** The access guard the HTTP server runs before every route: authorisation lives here alone. */
  guard: AccessGuard;
  /** The signed-in user's name for a request that passed the guard. */
  userOf: UserOf;
  users: UserStore;
  sessions: SessionStore;
}

/** Users, sessions and the access guard. */
export const securityModule = defineModule({
  name: 'security',
  migrations: securityMigrations,
  async start(ctx, _deps: Record<never, never>) {
    const users = new UserStore(ctx.db, ctx.clock);
    const sessions = new SessionStore(ctx.db, ctx.clock, ctx.config.security.sessionTtlMs);
    await sessions.purgeExpired();
    if ((await users.count()) === 0) ctx.logger.warn('no users yet: create the first admin with `readfirst user add --admin <name>`');
    const provides: SecurityServices = { guard: createGuard(sessions, users), userOf: (req) => principalOf(req)?.username, users, sessions };
    return {
      provides,
      routes: securityRoutes({ users, sessions, clock: ctx.clock, secureCookies: ctx.config.security.secureCookies }),
    };
  },
});
