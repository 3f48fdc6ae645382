import Database from 'better-sqlite3';
import type { Db, Row, SqlValue } from '../db.ts';
import { StatementCache } from './statement-cache.ts';

/** Rewrites `$n` placeholders to `?` and reorders the parameters to match. */
export function toSqliteParams(sql: string, params: readonly SqlValue[]): { sql: string; params: SqlValue[] } {
  const { sql: out, order } = placeholderOrder(sql);
  return { sql: out, params: order.map((n) => params[n] ?? null) };
}

const PLACEHOLDER_CACHE_LIMIT = 500;
const placeholderCache = new Map<string, { sql: string; order: number[] }>();

/** The `?` form of a `$n` statement and the parameter index of each `?`, computed once per SQL text. */
function placeholderOrder(sql: string): { sql: string; order: number[] } {
  const hit = placeholderCache.get(sql);
  if (hit) return hit;
  const order: number[] = [];
  const out = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  const entry = { sql: out, order };
  if (placeholderCache.size >= PLACEHOLDER_CACHE_LIMIT) placeholderCache.clear();
  placeholderCache.set(sql, entry);
  return entry;
}

/** A simple async mutex: SQLite has one connection, so transactions must not interleave. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    await prev;
    return release;
  }
}

class SqliteExecutor implements Db {
  readonly dialect = 'sqlite' as const;
  constructor(
    protected readonly conn: Database.Database,
    private readonly gate: () => Promise<void>,
    protected readonly statements: StatementCache,
  ) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    await this.gate();
    const p = toSqliteParams(sql, params);
    const stmt = this.statements.get(p.sql);
    if (!stmt.reader) {
      stmt.run(...p.params);
      return [];
    }
    return stmt.all(...p.params) as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    await this.gate();
    const p = toSqliteParams(sql, params);
    const stmt = this.statements.get(p.sql);
    if (stmt.reader) return stmt.all(...p.params).length;
    return stmt.run(...p.params).changes;
  }

  async exec(sql: string): Promise<void> {
    await this.gate();
    this.conn.exec(sql);
    // Scripts change the schema (migrations): statements are prepared again on next use.
    this.statements.clear();
  }

  async transaction<T>(_fn: (tx: Db) => Promise<T>): Promise<T> {
    throw new Error('nested transactions are not supported');
  }

  async close(): Promise<void> {
    /* closed by the owner */
  }
}

/** SQLite (better-sqlite3, WAL): the embedded default store. */
export class SqliteDb extends SqliteExecutor {
  private readonly mutex = new Mutex();
  private inTx: Promise<void> | undefined;

  constructor(path: string) {
    const conn = new Database(path);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('foreign_keys = ON');
    conn.pragma('busy_timeout = 5000');
    const statements = new StatementCache(conn);
    super(
      conn,
      async () => {
        while (this.inTx) await this.inTx;
      },
      statements,
    );
  }

  override async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const release = await this.mutex.lock();
    let done!: () => void;
    this.inTx = new Promise<void>((r) => (done = r));
    const tx = new SqliteExecutor(this.conn, async () => undefined, this.statements);
    try {
      this.statements.get('BEGIN IMMEDIATE').run();
      try {
        const result = await fn(tx);
        this.statements.get('COMMIT').run();
        return result;
      } catch (e) {
        if (this.conn.inTransaction) this.statements.get('ROLLBACK').run();
        throw e;
      }
    } finally {
      this.inTx = undefined;
      done();
      release();
    }
  }

  override async close(): Promise<void> {
    this.statements.clear();
    if (this.conn.open) this.conn.close();
  }
}
