/**
 * The SQL seam every store is written against. SQL uses PostgreSQL-style `$1` placeholders and
 * the common subset of SQLite and PostgreSQL: TEXT, INTEGER/BIGINT epoch-millisecond times,
 * JSON kept as TEXT, `ON CONFLICT … DO UPDATE`, `RETURNING`. Booleans are stored as 0/1.
 */
export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | bigint | null | Buffer;

export type Row = Record<string, unknown>;

export interface Db {
  readonly dialect: Dialect;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The first row, or undefined. */
export async function queryOne<T extends Row>(db: Db, sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
  const rows = await db.query<T>(sql, params);
  return rows[0];
}
