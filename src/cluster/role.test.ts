import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { ReadfirstError } from '../core/errors.ts';
import { assertRoleSupported, parseRole, rolePlan, VIEW_EVENTS } from './role.ts';

const shared = {
  databaseUrl: 'postgres://db/readfirst',
  files: { dir: '/srv/readfirst/files' },
  security: { auditKeyFile: '/etc/readfirst/audit.key' },
};

function refusal(fn: () => void): ReadfirstError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ReadfirstError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('roles', () => {
  it('parses the four roles and refuses anything else', () => {
    expect(['all', 'api', 'ingest', 'worker'].map(parseRole)).toEqual(['all', 'api', 'ingest', 'worker']);
    expect(() => parseRole('Worker')).toThrow(/unknown role "Worker": use one of all, api, ingest, worker/);
  });

  it('refuses a split role on SQLite, or without a shared instance store or audit key, naming the setting', () => {
    expect(() =>
      assertRoleSupported('all', { ...shared, databaseUrl: '', files: { dir: '' }, security: { auditKeyFile: '' } }),
    ).not.toThrow();
    for (const role of ['api', 'ingest', 'worker'] as const) {
      const noPg = refusal(() => assertRoleSupported(role, { ...shared, databaseUrl: '' }));
      expect(noPg.code).toBe('config');
      expect(noPg.message).toContain(`role "${role}" needs PostgreSQL`);
      expect(refusal(() => assertRoleSupported(role, { ...shared, files: { dir: '' } })).message).toContain('needs files.dir');
      expect(refusal(() => assertRoleSupported(role, { ...shared, security: { auditKeyFile: '' } })).message).toContain(
        'needs security.auditKeyFile',
      );
      expect(() => assertRoleSupported(role, shared)).not.toThrow();
    }
  });

  it('splits the work: ingest accepts and queues, workers read and deliver, the API serves and relays nothing of its own', () => {
    const [all, api, ingest, worker] = (['all', 'api', 'ingest', 'worker'] as const).map(rolePlan);
    expect(all).toMatchObject({ accept: true, scoring: 'on-arrival', jobs: undefined, deliver: true, relayed: [] });
    expect(ingest).toMatchObject({ accept: true, scoring: 'none', jobs: 'enqueue', deliver: false });
    expect(worker).toMatchObject({ accept: false, scoring: 'jobs', jobs: 'work', deliver: true });
    expect(api).toMatchObject({ accept: false, scoring: 'none', jobs: undefined, deliver: false, scheduled: true });
    expect([ingest, worker].map((p) => p?.scheduled)).toEqual([false, false]);
    // Effects are never relayed (they would happen once per process); views are.
    for (const p of [api, ingest, worker]) expect(p?.relayed).toEqual(VIEW_EVENTS);
    expect(VIEW_EVENTS).not.toContain('study.analysed');
    expect(VIEW_EVENTS).not.toContain('instance.stored');
    const stow = { method: 'POST' as const, url: '/dicom-web/studies' };
    const qido = { method: 'GET' as const, url: '/dicom-web/studies' };
    const health = { method: 'GET' as const, url: '/readyz' };
    expect([stow, qido, health].map((r) => ingest?.serves(r))).toEqual([true, false, true]);
    expect([stow, qido, health].map((r) => api?.serves(r))).toEqual([false, true, true]);
    expect([stow, qido, health].map((r) => worker?.serves(r))).toEqual([false, false, true]);
    expect([stow, qido, health].map((r) => all?.serves(r))).toEqual([true, true, true]);
  });

  it('the deployment example in docs/deploy/ is a valid configuration for every split role', () => {
    const file = join(dirname(fileURLToPath(import.meta.url)), '../../docs/deploy/readfirst.yaml');
    const config = loadConfig({ file, env: { READFIRST_DATA_DIR: '/var/lib/readfirst/worker-1' } });
    for (const role of ['api', 'ingest', 'worker'] as const) expect(() => assertRoleSupported(role, config)).not.toThrow();
    expect(config.dataDir).toBe('/var/lib/readfirst/worker-1');
  });
});
