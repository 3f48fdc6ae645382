import { join } from 'node:path';
import type { App } from '../../src/app/app.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Scope } from '../../src/http/route.ts';
import { ApiTokenStore } from '../../src/security/api-tokens.ts';
import type { SecurityServices } from '../../src/security/module.ts';
import { issueToken } from '../../src/security/token-routes.ts';
import { UserStore } from '../../src/security/users.ts';
import { openDb } from '../../src/store/open.ts';
import { allMigrations } from '../../src/app/modules.ts';

export const ALL_SERVICE_SCOPES: Scope[] = ['dicomweb:read', 'dicomweb:write', 'metrics'];

/** The security module's services of a started test app. */
export function authOf(app: App): SecurityServices {
  return app.services.security;
}

/** A service-account API token on a started test app (default: DICOMweb read/write and metrics). */
export async function serviceToken(
  app: App,
  scopes: Scope[] = ALL_SERVICE_SCOPES,
  account = `svc-${Math.random().toString(36).slice(2, 8)}`,
): Promise<string> {
  const auth = authOf(app);
  return (await issueToken({ users: auth.users, tokens: auth.tokens }, { account, scopes, ttlDays: 1 })).token;
}

/** A token for a server running in another process, written straight into its SQLite store. */
export async function serviceTokenForDataDir(dataDir: string, scopes: Scope[] = ALL_SERVICE_SCOPES): Promise<string> {
  const db = await openDb({ sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
  try {
    const users = new UserStore(db, systemClock);
    const tokens = new ApiTokenStore(db, systemClock);
    return (await issueToken({ users, tokens }, { account: `svc-${Math.random().toString(36).slice(2, 8)}`, scopes, ttlDays: 1 })).token;
  } finally {
    await db.close();
  }
}

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });
