import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { UserStore } from '../../security/users.ts';
import { allMigrations } from '../../app/modules.ts';
import { openDb } from '../../store/open.ts';

const CLI = join(import.meta.dirname, '../readfirst.ts');

function readfirst(dataDir: string, args: string[], stdin?: string): { status: number | null; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, READFIRST_DATA_DIR: dataDir };
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { env, input: stdin, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('readfirst user add', () => {
  it('creates the first admin only with a password given by a person: none by default, none too short', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rf-cli-'));
    const noTerminal = readfirst(dataDir, ['user', 'add', '--admin', 'chief']);
    expect(noTerminal.status).not.toBe(0);
    expect(noTerminal.err).toMatch(/no terminal to ask for a password: use --password-stdin/);
    const weak = readfirst(dataDir, ['user', 'add', '--admin', 'chief', '--password-stdin'], 'short\n');
    expect(weak.status).not.toBe(0);
    expect(weak.err).toMatch(/at least 10 characters/);
    const ok = readfirst(dataDir, ['user', 'add', '--admin', 'chief', '--password-stdin'], 'a long admin password\n');
    expect(ok.out).toBe('created chief (admin)\n');
    const db = await openDb({ sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
    try {
      const users = new UserStore(db, systemClock);
      expect((await users.authenticate('chief', 'a long admin password'))?.roles).toEqual(['admin']);
      expect(await users.authenticate('chief', '')).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
