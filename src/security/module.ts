import { join } from 'node:path';
import type { AppContext, AppModule } from '../app/context.ts';
import { ApiTokenStore } from './api-tokens.ts';
import { AuditLog, loadAuditKey } from './audit/audit-log.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { Auditor } from './audit/auditor.ts';
import { createGuard, principalOf } from './guard.ts';
import { LoginThrottle } from './login-throttle.ts';
import { securityRoutes } from './routes.ts';
import { SessionStore } from './sessions.ts';
import { tokenRoutes } from './token-routes.ts';
import { UserStore } from './users.ts';

/** Services the security module publishes for others (`ctx.services.auth`). */
export interface AuthService {
  users: UserStore;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  auditor: Auditor;
  auditLog: AuditLog;
}

/** Where the audit chain's HMAC key lives: `security.auditKeyFile`, else beside the data. */
export function auditKeyPath(config: AppContext['config']): string {
  return config.security.auditKeyFile || join(config.dataDir, 'audit.key');
}

/**
 * Users, sessions, API tokens, the access guard and the audit trail. It sets
 * `ctx.services.guard` (run by the HTTP server when each request arrives) and
 * `ctx.services.routeAudit` (run after each response), so authorisation and auditing live here.
 */
export async function initSecurity(ctx: AppContext): Promise<AppModule> {
  const users = new UserStore(ctx.db, ctx.clock);
  const sessions = new SessionStore(ctx.db, ctx.clock, ctx.config.security.sessionTtlMs);
  const tokens = new ApiTokenStore(ctx.db, ctx.clock);
  await sessions.purgeExpired();
  const key = loadAuditKey(auditKeyPath(ctx.config));
  const auditLog = new AuditLog(ctx.db, key);
  const services = ctx.services;
  const auditor = new Auditor({
    log: auditLog,
    clock: ctx.clock,
    logger: ctx.logger.child({ mod: 'audit' }),
    // Resolved when an event arrives: the dicom and inference modules start after this one.
    ports: () => ({
      patientOfStudy: async (uid) => (await services.dicomStore?.getStudy(uid))?.patientId ?? null,
      modelOfResult: async (id) => {
        const m = (await services.inferenceResults?.get(id))?.model;
        return m ? { id: m.modelId, version: m.modelVersion } : null;
      },
    }),
  });
  const unsubscribe = auditor.subscribe(ctx.bus);
  ctx.services.guard = createGuard({ sessions, users, tokens });
  ctx.services.routeAudit = (req, reply, route) => auditor.responded(req, reply, route, principalOf(req));
  const auth: AuthService = { users, sessions, tokens, auditor, auditLog };
  ctx.services.auth = auth;
  if ((await users.count()) === 0) ctx.logger.warn('no users yet: create the first admin with `readfirst user add --admin <name>`');
  const throttle = new LoginThrottle(ctx.clock);
  return {
    name: 'security',
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
}
