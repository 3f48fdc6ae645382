import { afterEach, describe, expect, it } from 'vitest';
import { testDbs } from '../../../test/support/dbs.ts';
import type { Db } from '../../store/db.ts';
import { type OutboxObject, OutboxStore } from './outbox-store.ts';

const T0 = Date.UTC(2026, 11, 1, 8);

function dicomObject(id: string, study = '1.2.3'): OutboxObject {
  return {
    id,
    studyInstanceUid: study,
    kind: 'sr',
    contentType: 'application/dicom',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.88.34',
    seriesInstanceUid: `${study}.9`,
    description: 'sr',
    body: Buffer.from(`DICM-${id}`),
  };
}

function urgency(study: string, value: string): OutboxObject {
  return {
    id: `urgency:${study}`,
    studyInstanceUid: study,
    kind: 'urgency',
    contentType: 'application/json',
    sopClassUid: null,
    seriesInstanceUid: null,
    description: 'urgency',
    body: Buffer.from(JSON.stringify({ urgency: value })),
  };
}

describe.each(testDbs)('outbox store contract ($name)', (impl) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  async function open(): Promise<{ db: Db; store: OutboxStore }> {
    const h = await impl.open();
    cleanup = () => h.cleanup();
    return { db: h.db, store: new OutboxStore(h.db) };
  }

  it('keeps one delivery per object and destination however often it is enqueued', async () => {
    const { store } = await open();
    await store.enqueue(dicomObject('1.1'), ['pacs', 'stow'], T0);
    await store.enqueue(dicomObject('1.1'), ['pacs', 'stow'], T0 + 5);
    const rows = await store.deliveries();
    expect(rows.map((r) => `${r.objectId}>${r.destination}:${r.state}`)).toEqual(['1.1>pacs:pending', '1.1>stow:pending']);
    expect((await store.getObject('1.1'))?.body.toString()).toBe('DICM-1.1');
  });

  it('claims a due delivery once, leases it, and hands it out again only after the lease (a killed sender)', async () => {
    const { store } = await open();
    await store.enqueue(dicomObject('1.1'), ['pacs'], T0);
    const first = await store.claimDue('pacs', T0, 60_000, 10);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ attempt: 1, destination: 'pacs', object: { id: '1.1', kind: 'sr' } });
    expect(await store.claimDue('pacs', T0 + 1, 60_000, 10)).toEqual([]);
    const again = await store.claimDue('pacs', T0 + 60_001, 60_000, 10);
    expect(again.map((c) => c.attempt)).toEqual([2]);
  });

  it('retries a failed attempt at its time, gives up when told, and never re-sends a delivered one', async () => {
    const { store } = await open();
    await store.enqueue(dicomObject('1.1'), ['pacs'], T0);
    await store.enqueue(dicomObject('1.2'), ['pacs'], T0);
    const [a, b] = await store.claimDue('pacs', T0, 60_000, 10);
    if (!a || !b) throw new Error('expected two claims');
    await store.markDelivered(a, T0 + 10);
    await store.markFailed(b, 'association rejected', T0 + 2_000);
    expect(await store.claimDue('pacs', T0 + 1_999, 60_000, 10)).toEqual([]);
    expect(await store.nextDueAt('pacs')).toBe(T0 + 2_000);
    const [retry] = await store.claimDue('pacs', T0 + 2_000, 60_000, 10);
    expect(retry?.object.id).toBe('1.2');
    if (!retry) throw new Error('no retry');
    await store.markFailed(retry, 'still down', null);
    expect(await store.claimDue('pacs', T0 + 10_000_000, 60_000, 10)).toEqual([]);
    const counts = await store.destinationCounts();
    expect(counts).toEqual([
      {
        destination: 'pacs',
        pending: 0,
        delivered: 1,
        failed: 1,
        lastError: 'still down',
        lastAttemptAt: T0 + 2_000,
        lastDeliveredAt: T0 + 10,
      },
    ]);
    expect(await store.retryFailed('pacs', T0 + 20)).toBe(1);
    expect((await store.claimDue('pacs', T0 + 20, 60_000, 10)).map((c) => [c.object.id, c.attempt])).toEqual([['1.2', 1]]);
  });

  it('re-delivers an urgency only when its value changes', async () => {
    const { store } = await open();
    await store.enqueue(urgency('9.9', 'routine'), ['orthanc'], T0);
    const [c] = await store.claimDue('orthanc', T0, 60_000, 10);
    if (!c) throw new Error('no claim');
    await store.markDelivered(c, T0 + 1);
    await store.enqueue(urgency('9.9', 'routine'), ['orthanc'], T0 + 2);
    expect(await store.claimDue('orthanc', T0 + 3, 60_000, 10)).toEqual([]);
    await store.enqueue(urgency('9.9', 'critical'), ['orthanc'], T0 + 4);
    const [next] = await store.claimDue('orthanc', T0 + 5, 60_000, 10);
    expect(next).toMatchObject({ version: 2, attempt: 1 });
    expect(JSON.parse(next?.object.body.toString() ?? '{}')).toEqual({ urgency: 'critical' });
    // The attempt of the old version finishing late must not mark the new one delivered.
    await store.markDelivered(c, T0 + 6);
    expect((await store.deliveries({ destination: 'orthanc' }))[0]?.state).toBe('pending');
  });

  it("lists a study's objects and deliveries", async () => {
    const { store } = await open();
    await store.enqueue(dicomObject('1.1', 'A'), ['pacs'], T0);
    await store.enqueue(dicomObject('2.1', 'B'), ['pacs'], T0 + 1);
    expect((await store.objectsOfStudy('B')).map((o) => o.id)).toEqual(['2.1']);
    expect((await store.deliveries({ studyInstanceUid: 'A' })).map((d) => d.objectId)).toEqual(['1.1']);
  });
});
