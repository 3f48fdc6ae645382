import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { PushQueue } from '../reports/push/push-queue.ts';
import { UpsStore } from '../ups/ups-store.ts';
import { OrderStore } from './order-store.ts';

for (const impl of testDbs) {
  describe(`orders, UPS and push-queue stores: ${impl.name}`, () => {
    let db: Awaited<ReturnType<typeof impl.open>>;
    beforeEach(async () => {
      db = await impl.open();
    });
    afterEach(async () => db.cleanup());

    it('keeps an order by accession; an update keeps fields it leaves empty; ADT moves every order of the patient', async () => {
      const s = new OrderStore(db.db);
      const base = {
        patientId: 'P1',
        patientClass: 'O',
        location: 'CLINIC',
        orderControl: 'NW',
        procedure: 'XR CHEST',
        source: 'ORM^O01',
        updatedAt: 1,
      };
      await s.upsert({ ...base, accessionNumber: 'A1', priority: 'R' });
      await s.upsert({ ...base, accessionNumber: 'A2', priority: null });
      const changed = await s.upsert({ ...base, accessionNumber: 'A1', priority: 'S', location: null, updatedAt: 2 });
      expect([changed.priority, changed.location]).toEqual(['S', 'CLINIC']);
      expect((await s.movePatient('P1', 'I', 'ICU 2', 'ADT^A02', 3)).sort()).toEqual(['A1', 'A2']);
      expect(await s.orderFor('A2')).toMatchObject({ patientClass: 'I', location: 'ICU 2', priority: null, source: 'ADT^A02' });
      expect(await s.orderFor('nope')).toBeUndefined();
    });

    it('saves a UPS workitem only from the state it was read in (no lost claim)', async () => {
      const u = new UpsStore(db.db);
      const w = {
        uid: '2.25.5',
        state: 'SCHEDULED' as const,
        priority: 'LOW' as const,
        studyInstanceUid: '1.2',
        transactionUid: null,
        dataset: {},
        createdAt: 1,
        updatedAt: 1,
      };
      expect(await u.insert(w)).toBe(true);
      expect(await u.insert(w)).toBe(false);
      expect(await u.save({ ...w, state: 'IN PROGRESS', transactionUid: '2.25.9' }, 'SCHEDULED')).toBe(true);
      expect(await u.save({ ...w, state: 'IN PROGRESS', transactionUid: '2.25.10' }, 'SCHEDULED')).toBe(false);
      expect((await u.get('2.25.5'))?.transactionUid).toBe('2.25.9');
      expect((await u.search({ state: 'IN PROGRESS', limit: 10, offset: 0 })).map((x) => x.uid)).toEqual(['2.25.5']);
      expect((await u.forStudy('1.2'))?.uid).toBe('2.25.5');
    });

    it('push queue: due items, back-off, give up, re-queue resets attempts', async () => {
      const q = new PushQueue(db.db, 'test');
      await q.enqueue('k1', 100);
      expect((await q.due(100, 20, 50)).map((i) => i.key)).toEqual(['k1']);
      // Claimed: another loop (another worker process) does not get it while the lease runs, and does after.
      expect(await q.due(149)).toEqual([]);
      expect((await q.due(150, 20, 50)).map((i) => i.key)).toEqual(['k1']);
      await q.failed('k1', 'down', 100, 300);
      expect(await q.due(200)).toEqual([]);
      expect(await q.nextAt()).toBe(300);
      await q.failed('k1', 'still down', 300, undefined);
      expect(await q.status('k1')).toEqual({ state: 'failed', attempts: 2, lastError: 'still down' });
      await q.enqueue('k1', 400);
      await q.delivered('k1', 401);
      expect(await q.status('k1')).toEqual({ state: 'delivered', attempts: 1, lastError: null });
      expect(await new PushQueue(db.db, 'other').due(1000)).toEqual([]);
    });
  });
}
