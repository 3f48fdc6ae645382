import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../log/logger.ts';
import { ApiTokenStore } from '../../security/api-tokens.ts';
import { AuditLog, loadAuditKey } from '../../security/audit/audit-log.ts';
import { Auditor } from '../../security/audit/auditor.ts';
import { auditKeyPath } from '../../security/module.ts';
import { SessionStore } from '../../security/sessions.ts';
import { UserStore } from '../../security/users.ts';
import type { Db } from '../../store/db.ts';
import { openDb } from '../../store/open.ts';
import { allMigrations } from '../../app/modules.ts';

/** What the security commands (user, token, audit, export) work on: the server's own stores. */
export interface SecurityContext {
  config: Config;
  db: Db;
  users: UserStore;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  auditLog: AuditLog;
  auditKey: Buffer;
  auditor: Auditor;
  /** Audits an act of the command line (`source: cli`, actor: the OS user). */
  audit: (
    e: Pick<Parameters<Auditor['record']>[0], 'action' | 'objectType' | 'objectId' | 'detail'> & { outcome?: 'success' | 'failure' },
  ) => Promise<void>;
  close: () => Promise<void>;
}

export async function openSecurityContext(configFile?: string): Promise<SecurityContext> {
  const loaded = loadConfig(configFile ? { file: configFile } : {});
  const config = { ...loaded, dataDir: resolve(loaded.dataDir) };
  const db = await openDb({ databaseUrl: config.databaseUrl, sqlitePath: join(config.dataDir, 'readfirst.db'), migrations: allMigrations });
  const auditKey = loadAuditKey(auditKeyPath(config));
  const auditLog = new AuditLog(db, auditKey);
  const auditor = new Auditor({ log: auditLog, clock: systemClock, logger: createLogger('error'), ports: () => ({}) });
  const actor = `os:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;
  return {
    config,
    db,
    users: new UserStore(db, systemClock),
    sessions: new SessionStore(db, systemClock, config.security.sessionTtlMs),
    tokens: new ApiTokenStore(db, systemClock),
    auditLog,
    auditKey,
    auditor,
    audit: (e) => auditor.record({ outcome: 'success', actor, actorRoles: 'cli', source: 'cli', ...e }),
    close: async () => {
      await auditLog.idle();
      await db.close();
    },
  };
}
