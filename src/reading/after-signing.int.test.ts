import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { ManualClock } from '../core/clock.ts';
import { InMemoryBus } from '../events/bus.ts';
import type { Principal } from '../security/users.ts';
import { AfterSigning } from './after-signing.ts';
import { ReadingService } from './reading-service.ts';
import { MemoryResults } from './testing.ts';

const reader: Principal = { userId: 'u-1', username: 'grey', displayName: 'Dr Grey', roles: ['radiologist'] };

describe.each(testDbs)('after signing on $name', (t) => {
  let cleanup: () => Promise<void>;
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 9));
  let service: ReadingService;
  let after: AfterSigning;
  const addended: string[] = [];

  beforeAll(async () => {
    const handle = await t.open();
    cleanup = () => handle.cleanup();
    const results = new MemoryResults();
    service = new ReadingService({ db: handle.db, clock, bus: new InMemoryBus(() => undefined), results });
    after = new AfterSigning({
      db: handle.db,
      clock,
      store: service.store,
      studies: () => undefined,
      onAddendum: async (uid) => void addended.push(uid),
    });
  });
  afterAll(async () => cleanup());

  it('refuses an addendum before the report is signed, then signs addenda in order and marks the study addended', async () => {
    await service.open('7.1', reader);
    await expect(after.addAddendum('7.1', reader, 'Correction.')).rejects.toThrow(/sign the report first/);
    await service.sign('7.1', reader);
    clock.advance(60_000);
    await expect(after.addAddendum('7.1', reader, '   ')).rejects.toThrow(/empty/);
    await after.addAddendum('7.1', reader, 'Comparison with the prior: unchanged.');
    clock.advance(60_000);
    await after.addAddendum('7.1', reader, 'Discussed with the referrer.');
    expect((await after.addenda('7.1')).map((a) => [a.text, a.readerName])).toEqual([
      ['Comparison with the prior: unchanged.', 'Dr Grey'],
      ['Discussed with the referrer.', 'Dr Grey'],
    ]);
    expect(addended).toEqual(['7.1', '7.1']);
    // The signed report itself is unchanged by an addendum.
    expect((await service.store.signedForStudy('7.1'))[0]?.report.impression).toBe('No acute cardiopulmonary abnormality.');
  });

  it('logs who was told a critical result, when, how, and who acknowledged it', async () => {
    const at = clock.now() - 5 * 60_000;
    const c = await after.recordCommunication('7.1', reader, {
      finding: 'Pneumothorax',
      recipient: 'Dr Who',
      recipientRole: 'ED registrar',
      method: 'phone',
      note: '',
      communicatedAt: at,
    });
    expect(c).toMatchObject({ communicatedAt: at, acknowledgedBy: null, recordedBy: 'Dr Grey', method: 'phone' });
    await expect(
      after.recordCommunication('7.1', reader, {
        finding: 'x',
        recipient: 'y',
        recipientRole: 'z',
        method: 'page',
        note: '',
        communicatedAt: clock.now() + 3_600_000,
      }),
    ).rejects.toThrow(/future/);
    const acked = await after.acknowledgeCommunication('7.1', c.id, 'Dr Who (read back)');
    expect(acked.acknowledgedBy).toBe('Dr Who (read back)');
    expect(await after.communications('7.1')).toEqual([acked]);
    await expect(after.acknowledgeCommunication('7.2', c.id, 'someone')).rejects.toThrow(/no communication/);
  });
});
