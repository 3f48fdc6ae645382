import pg from 'pg';
import type { Db, Row, SqlValue } from '../db.ts';

// BIGINT (int8) and NUMERIC come back as strings by default; readfirst keeps epoch-ms times and
// counts well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

type Queryable = pg.Pool | pg.PoolClient;

class PgExecutor implements Db {
  readonly dialect = 'postgres' as const;
  constructor(protected readonly q: Queryable) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const r = await this.q.query<T>(sql, params as SqlValue[]);
    return r.rows;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const r = await this.q.query(sql, params as SqlValue[]);
    return r.rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await this.q.query(sql);
  }

  async transaction<T>(_fn: (tx: Db) => Promise<T>): Promise<T> {
    throw new Error('nested transactions are not supported');
  }

  async close(): Promise<void> {
    /* closed by the owner */
  }
}

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use (created if missing); lets tests run side by side in one database. */
  schema?: string;
  max?: number;
}

/** PostgreSQL (`pg`), chosen by a `postgres://` database URL. */
export class PostgresDb extends PgExecutor {
  private constructor(private readonly pool: pg.Pool) {
    super(pool);
  }

  static async connect(opts: PostgresOptions): Promise<PostgresDb> {
    const pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    pool.on('error', () => undefined);
    if (opts.schema) {
      if (!/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`invalid schema name ${opts.schema}`);
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
    }
    return new PostgresDb(pool);
  }

  override async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  }

  override async close(): Promise<void> {
    await this.pool.end();
  }
}
