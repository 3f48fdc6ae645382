import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StatementCache } from './statement-cache.ts';
import { toSqliteParams } from './sqlite-db.ts';

describe('StatementCache', () => {
  it('prepares each SQL text once and evicts the least recently used past its limit', () => {
    const conn = new Database(':memory:');
    const cache = new StatementCache(conn, 2);
    const a = cache.get('SELECT 1 AS x');
    expect(cache.get('SELECT 1 AS x')).toBe(a);
    const b = cache.get('SELECT 2 AS x');
    cache.get('SELECT 1 AS x');
    cache.get('SELECT 3 AS x');
    expect(cache.size).toBe(2);
    expect(cache.get('SELECT 1 AS x')).toBe(a);
    expect(cache.get('SELECT 2 AS x')).not.toBe(b);
    conn.close();
  });

  it('does not cache a statement that fails to prepare', () => {
    const conn = new Database(':memory:');
    const cache = new StatementCache(conn);
    expect(() => cache.get('SELECT * FROM missing')).toThrow();
    expect(cache.size).toBe(0);
    conn.exec('CREATE TABLE missing (x INTEGER)');
    expect(cache.get('SELECT * FROM missing').all()).toEqual([]);
    conn.close();
  });
});

describe('toSqliteParams', () => {
  it('reorders $n parameters for repeated and out-of-order placeholders, the same on a cache hit', () => {
    for (let i = 0; i < 2; i++) {
      expect(toSqliteParams('SELECT $2, $1, $2, $3', ['a', 'b'])).toEqual({ sql: 'SELECT ?, ?, ?, ?', params: ['b', 'a', 'b', null] });
    }
  });
});
