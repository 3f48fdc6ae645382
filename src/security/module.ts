import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { defineModule } from '../core/module.ts';
import type { UserOf } from '../http/route.ts';
import type { AccessGuard, ResponseAudit } from '../http/server.ts';
import { ApiTokenStore } from './api-tokens.ts';
import { AuditLog, loadAuditKey } from './audit/audit-log.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { type AuditPorts, Auditor } from './audit/auditor.ts';
import { createGuard, principalOf } from './guard.ts';
import { LoginThrottle } from './login-throttle.ts';
import { securityMigrations } from './migrations.ts';
import { securityRoutes } from './routes.ts';
import { SessionStore } from './sessions.ts';
import { tokenRoutes } from './token-routes.ts';
import { UserStore } from './users.ts';

/** What the security module offers the others. */
export interface SecurityServices {
  /** The access guard the HTTP server runs when each request arrives: authorisation lives here alone. */
  guard: AccessGuard;
  /** Runs after each response: audits PHI routes and mutations. */
  routeAudit: ResponseAudit;
  /** The signed-in user's name for a request that passed the guard. */
  userOf: UserOf;
  users: UserStore;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  auditor: Auditor;
  auditLog: AuditLog;
  /**
   * Gives the auditor the look-ups it needs from modules started after this one (the patient of a
   * study, the model of a result); the composition root calls it once they have started.
   */
  connectAudit(ports: AuditPorts): void;
}

/** Where the audit chain's HMAC key lives: `security.auditKeyFile`, else beside the data. */
export function auditKeyPath(config: Pick<Config, 'dataDir' | 'security'>): string {
  return config.security.auditKeyFile || join(config.dataDir, 'audit.key');
}

/** Users, sessions, API tokens, the access guard and the audit trail. */
export const securityModule = defineModule({
  name: 'security',
  migrations: securityMigrations,
  async start(ctx, _deps: Record<never, never>) {
    const users = new UserStore(ctx.db, ctx.clock);
    const sessions = new SessionStore(ctx.db, ctx.clock, ctx.config.security.sessionTtlMs);
    const tokens = new ApiTokenStore(ctx.db, ctx.clock);
    await sessions.purgeExpired();
    if ((await users.count()) === 0) ctx.logger.warn('no users yet: create the first admin with `readfirst user add --admin <name>`');
    const key = loadAuditKey(auditKeyPath(ctx.config));
    const auditLog = new AuditLog(ctx.db, key);
    let ports: Partial<AuditPorts> = {};
    const auditor = new Auditor({ log: auditLog, clock: ctx.clock, logger: ctx.logger.child({ mod: 'audit' }), ports: () => ports });
    const unsubscribe = auditor.subscribe(ctx.bus);
    const provides: SecurityServices = {
      guard: createGuard({ sessions, users, tokens }),
      routeAudit: (req, reply, route) => auditor.responded(req, reply, route, principalOf(req)),
      userOf: (req) => principalOf(req)?.username,
      users,
      sessions,
      tokens,
      auditor,
      auditLog,
      connectAudit: (p) => {
        ports = p;
      },
    };
    const throttle = new LoginThrottle(ctx.clock);
    return {
      provides,
      routes: [
        ...securityRoutes({ users, sessions, clock: ctx.clock, secureCookies: ctx.config.security.secureCookies, throttle, auditor }),
        ...tokenRoutes({ users, tokens, auditor }),
        ...auditRoutes({ log: auditLog, key }),
      ],
      async close() {
        for (const u of unsubscribe) u();
        await auditLog.idle();
      },
    };
  },
});
