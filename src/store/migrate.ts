import type { Db, Dialect } from './db.ts';

/**
 * One versioned schema change. Ids sort in the order they must run within their domain
 * (`dicom-001-…`); `sql` is shared when both dialects accept it.
 */
export interface Migration {
  id: string;
  sql: string | Record<Dialect, string>;
}

/** Applies every migration not yet recorded in `schema_migrations`, in list order. */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)');
  const done = new Set((await db.query<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
  const seen = new Set<string>();
  const applied: string[] = [];
  for (const m of migrations) {
    if (seen.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    seen.add(m.id);
    if (done.has(m.id)) continue;
    const sql = typeof m.sql === 'string' ? m.sql : m.sql[db.dialect];
    await db.transaction(async (tx) => {
      await tx.exec(sql);
      await tx.run('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [m.id, Date.now()]);
    });
    applied.push(m.id);
  }
  return applied;
}
