import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from './db.ts';
import { type Migration, migrate } from './migrate.ts';
import { PostgresDb } from './postgres/postgres-db.ts';
import { SqliteDb } from './sqlite/sqlite-db.ts';

/**
 * Opens the metadata database: PostgreSQL when `databaseUrl` is a postgres:// URL, otherwise
 * SQLite at `sqlitePath`. `migrations` run before it is returned: the server passes none and
 * applies each module's own as it starts it; tools pass `allMigrations` (src/app/modules.ts).
 */
export async function openDb(opts: {
  databaseUrl?: string;
  sqlitePath: string;
  schema?: string;
  migrations: readonly Migration[];
}): Promise<Db> {
  let db: Db;
  if (opts.databaseUrl && /^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    db = await PostgresDb.connect({ connectionString: opts.databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) });
  } else {
    if (opts.sqlitePath !== ':memory:') mkdirSync(dirname(opts.sqlitePath), { recursive: true });
    db = new SqliteDb(opts.sqlitePath);
  }
  try {
    await migrate(db, opts.migrations);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}
