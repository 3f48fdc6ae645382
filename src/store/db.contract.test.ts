import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';

for (const impl of testDbs) {
  describe(`Db contract: ${impl.name}`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      const opened = await impl.open();
      db = opened.db;
      cleanup = () => opened.cleanup();
      await db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL, j TEXT)');
    });
    afterEach(async () => cleanup());

    it('binds $n placeholders in any order and repeats', async () => {
      await db.run('INSERT INTO t (id, n, j) VALUES ($2, $1, $2)', [7, 'a']);
      const rows = await db.query<{ id: string; n: number; j: string }>('SELECT id, n, j FROM t WHERE n = $1 AND id = $2', [7, 'a']);
      expect(rows).toEqual([{ id: 'a', n: 7, j: 'a' }]);
    });

    it('returns big epoch-ms numbers as numbers', async () => {
      const ms = 1_790_000_000_123;
      await db.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['x', ms]);
      const [row] = await db.query<{ n: number }>('SELECT n FROM t');
      expect(row?.n).toBe(ms);
    });

    it('upserts with ON CONFLICT and reports changed rows', async () => {
      const up = 'INSERT INTO t (id, n) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET n = excluded.n';
      expect(await db.run(up, ['k', 1])).toBe(1);
      await db.run(up, ['k', 2]);
      const [row] = await db.query<{ n: number }>('SELECT n FROM t WHERE id = $1', ['k']);
      expect(row?.n).toBe(2);
    });

    it('rolls a failed transaction back and keeps a committed one', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['r', 1]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      await db.transaction(async (tx) => tx.run('INSERT INTO t (id, n) VALUES ($1, $2)', ['c', 1]));
      const ids = (await db.query<{ id: string }>('SELECT id FROM t ORDER BY id')).map((r) => r.id);
      expect(ids).toEqual(['c']);
    });

    it('applies each migration once', async () => {
      const m = [{ id: 'test-001', sql: 'CREATE TABLE m1 (x INTEGER)' }];
      expect(await migrate(db, m)).toEqual(['test-001']);
      expect(await migrate(db, m)).toEqual([]);
    });
  });
}
