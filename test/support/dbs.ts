import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/store/db.ts';
import { allMigrations } from '../../src/app/modules.ts';
import { openDb } from '../../src/store/open.ts';

/** PostgreSQL for tests; override with READFIRST_TEST_PG_URL. Tests fail loudly when it is down. */
export const TEST_PG_URL = process.env.READFIRST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDb {
  name: 'sqlite' | 'postgres';
  open(): Promise<{ db: Db; cleanup(): Promise<void> }>;
}

/**
 * The two store implementations a contract suite runs against. Each `open()` gives a fresh,
 * migrated database: a temporary SQLite file, or a new PostgreSQL schema dropped afterwards.
 */
export const testDbs: readonly TestDb[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'rf-sqlite-'));
      const db = await openDb({ sqlitePath: join(dir, 'test.db'), migrations: allMigrations });
      return {
        db,
        async cleanup() {
          await db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `rf_test_${randomBytes(6).toString('hex')}`;
      const db = await openDb({ databaseUrl: TEST_PG_URL, sqlitePath: '', schema, migrations: allMigrations });
      return {
        db,
        async cleanup() {
          await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await db.close();
        },
      };
    },
  },
];
