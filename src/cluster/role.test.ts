import { describe, expect, it } from 'vitest';
import { ReadfirstError } from '../core/errors.ts';
import { assertRoleRunnable, assertRoleSupported, parseRole } from './role.ts';

describe('roles', () => {
  it('parses the four roles and refuses anything else', () => {
    expect(['all', 'api', 'ingest', 'worker'].map(parseRole)).toEqual(['all', 'api', 'ingest', 'worker']);
    expect(() => parseRole('Worker')).toThrow(/unknown role "Worker": use one of all, api, ingest, worker/);
  });

  it('refuses a split role on SQLite, with the reason, and allows it on PostgreSQL', () => {
    expect(() => assertRoleSupported('all', '')).not.toThrow();
    for (const role of ['api', 'ingest', 'worker'] as const) {
      let err: unknown;
      try {
        assertRoleSupported(role, '');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ReadfirstError);
      expect((err as ReadfirstError).code).toBe('config');
      expect((err as ReadfirstError).message).toContain(`role "${role}" needs PostgreSQL`);
      expect(() => assertRoleSupported(role, 'postgres://db/readfirst')).not.toThrow();
    }
  });

  it('runs only `all` until the split roles are wired, saying so', () => {
    expect(() => assertRoleRunnable('all', '')).not.toThrow();
    expect(() => assertRoleRunnable('all', 'postgres://db/readfirst')).not.toThrow();
    expect(() => assertRoleRunnable('worker', '')).toThrow(/needs PostgreSQL/);
    expect(() => assertRoleRunnable('worker', 'postgres://db/readfirst')).toThrow(/role "worker" is not runnable yet/);
  });
});
