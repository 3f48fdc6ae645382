import type Database from 'better-sqlite3';

const DEFAULT_LIMIT = 200;

/**
 * Prepared statements of one SQLite connection, by SQL text: the ingest path runs the same few
 * statements per instance, and preparing them each time cost about 0.3 ms an instance. Bounded
 * (least recently used goes first) because some queries build their SQL from filters. A
 * statement that fails to prepare (e.g. its table is not migrated yet) is not cached.
 */
export class StatementCache {
  private readonly map = new Map<string, Database.Statement>();
  constructor(
    private readonly conn: Database.Database,
    private readonly limit = DEFAULT_LIMIT,
  ) {}

  get(sql: string): Database.Statement {
    const hit = this.map.get(sql);
    if (hit) {
      this.map.delete(sql);
      this.map.set(sql, hit);
      return hit;
    }
    const stmt = this.conn.prepare(sql);
    if (this.map.size >= this.limit) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(sql, stmt);
    return stmt;
  }

  /** Forgets every statement (schema changes, closing). */
  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
