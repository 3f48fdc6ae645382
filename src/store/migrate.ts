import type { Db, Dialect } from './db.ts';

/**
 * One versioned schema change. Ids sort in the order they must run within their domain
 * (`dicom-001-…`); `sql` is shared when both dialects accept it.
 */
export interface Migration {
  id: string;
  sql: string | Record<Dialect, string>;
}

/** Any fixed key: the PostgreSQL advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 7_270_601;

/**
 * Applies every migration not yet recorded in `schema_migrations`, in list order. Several
 * processes of a scaled-out deployment may start at once against one PostgreSQL: each migration
 * runs under a transaction-scoped advisory lock and re-checks, inside it, that no other process
 * applied it meanwhile (SQLite has one writer, so it needs neither).
 */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  const lock = async (tx: Pick<Db, 'query'>): Promise<void> => {
    if (db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  };
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)');
  });
  const done = new Set((await db.query<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
  const seen = new Set<string>();
  const applied: string[] = [];
  for (const m of migrations) {
    if (seen.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    seen.add(m.id);
    if (done.has(m.id)) continue;
    const sql = typeof m.sql === 'string' ? m.sql : m.sql[db.dialect];
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      if ((await tx.query('SELECT id FROM schema_migrations WHERE id = $1', [m.id])).length > 0) return false;
      await tx.exec(sql);
      await tx.run('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [m.id, Date.now()]);
      return true;
    });
    if (ran) applied.push(m.id);
  }
  return applied;
}
