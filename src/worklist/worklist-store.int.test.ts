import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { ManualClock } from '../core/clock.ts';
import type { Db } from '../store/db.ts';
import { SqlWorklistStore } from './sql-worklist-store.ts';
import { makeEntry } from './test-entries.ts';

const T0 = Date.UTC(2026, 0, 1, 8);
const MIN = 60_000;

describe.each(testDbs)('worklist store contract: $name', (testDb) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  let store: SqlWorklistStore;

  beforeEach(async () => {
    const handle = await testDb.open();
    db = handle.db;
    cleanup = () => handle.cleanup();
    clock = new ManualClock(T0);
    store = new SqlWorklistStore(db, clock);
  });
  afterEach(async () => cleanup());

  it('orders by score, then arrival, then UID, and pages with a cursor', async () => {
    await store.upsert(makeEntry('1.9', T0, 'routine'), T0);
    await store.upsert(makeEntry('1.3', T0 + MIN, 'critical'), T0);
    await store.upsert(makeEntry('1.2', T0, 'routine'), T0);
    await store.upsert(makeEntry('1.1', T0 + 2 * MIN, 'likely-normal', { modality: 'CR', site: 'North' }), T0);
    const first = await store.list({ limit: 2 });
    expect(first.items.map((i) => i.studyInstanceUid)).toEqual(['1.3', '1.2']);
    const second = await store.list({ limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items.map((i) => i.studyInstanceUid)).toEqual(['1.9', '1.1']);
    expect(second.nextCursor).toBeNull();
    expect((await store.list({ modality: 'CR' })).items.map((i) => i.studyInstanceUid)).toEqual(['1.1']);
    expect((await store.list({ site: 'North' })).items).toHaveLength(1);
    expect((await store.list({ urgency: 'routine' })).items.map((i) => i.studyInstanceUid)).toEqual(['1.2', '1.9']);
    expect(await store.position('1.9')).toBe(3);
    expect(await store.countsByUrgency()).toEqual({ critical: 1, urgent: 0, routine: 2, 'likely-normal': 1 });
  });

  const tiered = async (st: SqlWorklistStore): Promise<void> => {
    await st.upsert(makeEntry('2.1', T0, 'likely-normal'), T0);
    await st.upsert(makeEntry('2.2', T0 + 5 * MIN, 'routine'), T0);
    await st.upsert(makeEntry('2.3', T0 + 50 * MIN, 'critical'), T0);
    await st.upsert(makeEntry('2.4', T0 + 350 * MIN, 'critical'), T0);
    await st.upsert(makeEntry('2.5', T0 + 355 * MIN, 'urgent'), T0);
    clock.advance(370 * MIN);
  };
  const walk = async (st: SqlWorklistStore): Promise<string[]> => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await st.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.studyInstanceUid));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return seen;
  };

  it('reads critical, then overdue (oldest first), then the rest, and pages across the tiers', async () => {
    await tiered(store);
    const order = ['2.3', '2.4', '2.1', '2.2', '2.5'];
    expect((await store.list({})).items.map((i) => [i.studyInstanceUid, i.overdue])).toEqual([
      ['2.3', true],
      ['2.4', false],
      ['2.1', true],
      ['2.2', true],
      ['2.5', false],
    ]);
    expect(await walk(store)).toEqual(order);
    for (const [i, uid] of order.entries()) expect(await store.position(uid)).toBe(i + 1);
  });

  it('protects studies that waited the longest recent wait (less the margin) ahead of everything', async () => {
    const guarded = new SqlWorklistStore(db, clock, () => ({ floorMs: 60 * MIN, marginMs: 10 * MIN, windowMs: 24 * 60 * MIN }));
    await tiered(guarded);
    // No reads yet: the line is the floor less the margin, 50 min.
    const order = ['2.1', '2.2', '2.3', '2.4', '2.5'];
    expect(await walk(guarded)).toEqual(order);
    for (const [i, uid] of order.entries()) expect(await guarded.position(uid)).toBe(i + 1);
    // A read that started after a 350-min wait moves the line to 340 min: only 2.1 (370) and 2.2 (365) stay protected.
    await guarded.upsert(makeEntry('2.0', T0 + 20 * MIN, 'routine'), T0);
    await guarded.setState('2.0', 'alice', 'read');
    await guarded.upsert(makeEntry('2.6', T0 + 40 * MIN, 'routine'), T0);
    expect(await walk(guarded)).toEqual(['2.1', '2.2', '2.3', '2.4', '2.6', '2.5']);
  });

  it('re-ranks on upsert and keeps the reading state', async () => {
    await store.upsert(makeEntry('1.1', T0, 'routine'), T0);
    await store.upsert(makeEntry('1.2', T0 + MIN, 'routine'), T0);
    expect((await store.claim('1.2', 'alice', T0 + 10 * MIN)).ok).toBe(true);
    const { previous, item } = await store.upsert(makeEntry('1.2', T0 + MIN, 'critical'), T0 + MIN);
    expect(previous?.urgency).toBe('routine');
    expect(item).toMatchObject({ urgency: 'critical', state: 'in-progress', claimedBy: 'alice' });
    expect(await store.position('1.2')).toBe(1);
  });

  it('lets only one radiologist hold a study until the claim expires', async () => {
    await store.upsert(makeEntry('1.1', T0, 'routine'), T0);
    expect((await store.claim('1.1', 'alice', T0 + 20 * MIN)).ok).toBe(true);
    const bob = await store.claim('1.1', 'bob', T0 + 20 * MIN);
    expect(bob.ok).toBe(false);
    expect(bob.item?.claimedBy).toBe('alice');
    expect((await store.release('1.1', 'bob')).ok).toBe(false);
    clock.advance(21 * MIN);
    expect((await store.get('1.1'))?.state).toBe('unread');
    expect((await store.claim('1.1', 'bob', clock.now() + 20 * MIN)).ok).toBe(true);
    expect((await store.release('1.1', 'bob')).item).toMatchObject({ state: 'unread', claimedBy: null });
  });

  it('moves through reading states and leaves the open list when read', async () => {
    await store.upsert(makeEntry('1.1', T0, 'routine'), T0);
    await store.claim('1.1', 'alice', T0 + 20 * MIN);
    expect((await store.setState('1.1', 'bob', 'read')).ok).toBe(false);
    expect((await store.setState('1.1', 'alice', 'read')).item).toMatchObject({ state: 'read', claimedBy: null });
    expect((await store.list({})).items).toHaveLength(0);
    expect((await store.list({ states: ['read'] })).items).toHaveLength(1);
    await expect(store.setState('1.1', 'alice', 'unread')).rejects.toThrow(/cannot move/);
    expect((await store.setState('1.1', 'carol', 'addended')).item?.state).toBe('addended');
    expect(await store.position('1.1')).toBeNull();
  });

  it('marks overdue studies and rewrites ranks in bulk', async () => {
    await store.upsert(makeEntry('1.1', T0, 'critical'), T0);
    clock.advance(31 * MIN);
    expect((await store.get('1.1'))?.overdue).toBe(true);
    const [e] = await store.openEntries();
    expect(e?.studyInstanceUid).toBe('1.1');
    expect(
      await store.updateRanks(
        [
          {
            studyInstanceUid: '1.1',
            urgency: 'urgent',
            aiUrgency: 'urgent',
            score: 1,
            dueAt: T0 + 120 * MIN,
            reason: 'r',
            explanation: ['r'],
            upsPriority: 'HIGH',
          },
        ],
        clock.now(),
      ),
    ).toBe(1);
    expect((await store.get('1.1'))?.overdue).toBe(false);
  });
});
