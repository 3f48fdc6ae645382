import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { ManualClock } from '../core/clock.ts';
import type { Db } from '../store/db.ts';
import { SessionStore } from './sessions.ts';
import { UserStore } from './users.ts';

describe.each(testDbs)('users and sessions on $name', (t) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  const clock = new ManualClock();
  beforeAll(async () => {
    const handle = await t.open();
    db = handle.db;
    cleanup = () => handle.cleanup();
  });
  afterAll(async () => cleanup());

  it('stores only a scrypt hash and authenticates by password', async () => {
    const users = new UserStore(db, clock);
    const u = await users.create({ username: 'Dr.Grey', password: 'a long password', roles: ['radiologist'] });
    expect(u.username).toBe('dr.grey');
    const row = (await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [u.userId]))[0];
    expect(row?.password_hash).toMatch(/^scrypt\$/);
    expect((await users.authenticate('DR.GREY', 'a long password'))?.roles).toEqual(['radiologist']);
    expect(await users.authenticate('dr.grey', 'wrong password!')).toBeUndefined();
    expect(await users.authenticate('nobody', 'a long password')).toBeUndefined();
    await expect(users.create({ username: 'dr.grey', password: 'another password', roles: ['admin'] })).rejects.toThrow(/exists/);
    await expect(users.create({ username: 'weak', password: 'short', roles: ['admin'] })).rejects.toThrow(/at least/);
  });

  it('sessions expire after the configured time and are then removed', async () => {
    const users = new UserStore(db, clock);
    const u = await users.create({ username: 'expiring', password: 'a long password', roles: ['admin'] });
    const sessions = new SessionStore(db, clock, 60_000);
    const { token } = await sessions.create(u.userId);
    const stored = await db.query<{ token_sha256: string }>('SELECT token_sha256 FROM sessions WHERE user_id = $1', [u.userId]);
    expect(stored[0]?.token_sha256).not.toBe(token);
    expect((await sessions.lookup(token))?.userId).toBe(u.userId);
    clock.advance(59_999);
    expect(await sessions.lookup(token)).toBeDefined();
    clock.advance(1);
    expect(await sessions.lookup(token)).toBeUndefined();
    expect(await db.query('SELECT 1 FROM sessions WHERE user_id = $1', [u.userId])).toHaveLength(0);
  });

  it('revokes a session and purges expired ones', async () => {
    const users = new UserStore(db, clock);
    const u = await users.create({ username: 'revoked', password: 'a long password', roles: ['radiologist'] });
    const sessions = new SessionStore(db, clock, 1_000);
    const a = await sessions.create(u.userId);
    await sessions.create(u.userId);
    await sessions.revoke(a.token);
    expect(await sessions.lookup(a.token)).toBeUndefined();
    clock.advance(1_000);
    expect(await sessions.purgeExpired()).toBeGreaterThanOrEqual(1);
  });
});
