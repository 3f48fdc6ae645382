import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { ManualClock } from '../core/clock.ts';
import { InMemoryBus } from '../events/bus.ts';
import type { Db } from '../store/db.ts';
import { SqlWorklistStore } from './sql-worklist-store.ts';
import { makeEntry } from './test-entries.ts';
import { type WorklistService, createWorklistService } from './worklist-service.ts';

const T0 = Date.UTC(2026, 0, 1, 8);
const MIN = 60_000;

describe.each(testDbs)('next study and search: $name', (testDb) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  let service: WorklistService;
  let store: SqlWorklistStore;

  beforeEach(async () => {
    const handle = await testDb.open();
    db = handle.db;
    cleanup = () => handle.cleanup();
    clock = new ManualClock(T0);
    store = new SqlWorklistStore(db, clock);
    service = createWorklistService({ store, clock, bus: new InMemoryBus(() => undefined), claimTimeoutMs: 20 * MIN });
    // Reading order: 1.1 critical, 1.2 urgent, 1.3 routine, 1.4 routine (later).
    await store.upsert(makeEntry('1.3', T0, 'routine', { patientName: 'Smith^Anna', accessionNumber: 'ACC-300' }), T0);
    await store.upsert(makeEntry('1.1', T0 + MIN, 'critical', { patientName: 'Jones^Bob', patientId: 'MRN-77' }), T0);
    await store.upsert(makeEntry('1.4', T0 + 2 * MIN, 'routine', { patientName: 'Smith^Carl', accessionNumber: 'ACC_4%' }), T0);
    await store.upsert(makeEntry('1.2', T0, 'urgent'), T0);
  });
  afterEach(async () => cleanup());

  it('gives the most urgent unread, unclaimed study and claims it, never one held by someone else', async () => {
    await service.claim('1.1', 'other');
    const first = await service.next('me');
    expect(first).toMatchObject({ studyInstanceUid: '1.2', claimedBy: 'me', state: 'in-progress' });
    // The study just left is skipped; the next one down is the routine that arrived first.
    expect((await service.next('me', '1.2'))?.studyInstanceUid).toBe('1.3');
    // Another reader asking now does not get the studies already claimed.
    expect((await service.next('you'))?.studyInstanceUid).toBe('1.4');
    expect(await service.next('you')).toBeUndefined();
    // An expired claim is an abandoned read: it is offered again, most urgent first.
    clock.advance(21 * MIN);
    expect((await service.next('you'))?.studyInstanceUid).toBe('1.1');
  });

  it('never offers a read study', async () => {
    await service.setState('1.1', 'me', 'read');
    await service.setState('1.2', 'me', 'read');
    expect((await service.next('me'))?.studyInstanceUid).toBe('1.3');
  });

  it('finds studies in any state by patient name, patient ID or accession number, wildcards taken literally', async () => {
    await service.setState('1.3', 'me', 'read');
    expect((await service.search('smith')).map((i) => i.studyInstanceUid)).toEqual(['1.4', '1.3']);
    expect((await service.search('mrn-77')).map((i) => i.studyInstanceUid)).toEqual(['1.1']);
    expect((await service.search('ACC-300')).map((i) => [i.studyInstanceUid, i.state])).toEqual([['1.3', 'read']]);
    expect((await service.search('_4%')).map((i) => i.studyInstanceUid)).toEqual(['1.4']);
    expect(await service.search('c_3')).toEqual([]); // as a wildcard, _ would match ACC-300
  });
});
