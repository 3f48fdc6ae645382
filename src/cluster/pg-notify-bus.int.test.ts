import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, StudyAnalysedEvent } from '../events/types.ts';
import { EVENT_NAMES } from '../events/types.ts';
import type { Db } from '../store/db.ts';
import { openDb } from '../store/open.ts';
import { TEST_PG_URL } from '../../test/support/dbs.ts';
import { clusterEventMigrations, PgNotifyBus } from './pg-notify-bus.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshSchema(): Promise<{ db: Db; schema: string; channel: string }> {
  const schema = `rf_bus_${randomBytes(6).toString('hex')}`;
  const db = await openDb({ databaseUrl: TEST_PG_URL, sqlitePath: '', schema, migrations: clusterEventMigrations });
  cleanups.push(async () => {
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });
  return { db, schema, channel: schema };
}

async function bus(
  db: Db,
  schema: string,
  channel: string,
  errors: unknown[],
  relayed: readonly EventName[] = EVENT_NAMES,
): Promise<PgNotifyBus> {
  const b = await PgNotifyBus.start({
    connectionString: TEST_PG_URL,
    db,
    channel,
    schema,
    relayed,
    onError: (_e, err) => errors.push(err),
    now: () => Date.now(),
    reconnectMs: 50,
  });
  cleanups.push(() => b.close());
  return b;
}

/** Resolves with the first `n` payloads `b` hears of `event`, or rejects after `ms`. */
function hear<E extends EventName>(b: PgNotifyBus, event: E, n = 1, ms = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const seen: unknown[] = [];
    const t = setTimeout(() => reject(new Error(`heard ${seen.length} of ${n} ${event}`)), ms);
    b.on(
      event,
      (p) => {
        seen.push(p);
        if (seen.length === n) {
          clearTimeout(t);
          resolve(seen);
        }
      },
      { remote: true },
    );
  });
}

describe('PgNotifyBus (PostgreSQL LISTEN/NOTIFY)', () => {
  it('delivers an event locally once and to another process once, typed and unchanged', async () => {
    const { db, schema, channel } = await freshSchema();
    const errors: unknown[] = [];
    const worker = await bus(db, schema, channel, errors);
    const api = await bus(db, schema, channel, errors);
    const localSeen: unknown[] = [];
    worker.on('worklist.changed', (p) => void localSeen.push(p));
    // An effect handler (no `remote`) on the API process: it must not hear the worker's events.
    const effectOnApi: unknown[] = [];
    api.on('worklist.changed', (p) => void effectOnApi.push(p));
    const remote = hear(api, 'worklist.changed', 2);
    const a = {
      studyInstanceUid: '1.2.3',
      urgency: 'critical' as const,
      score: 0.97,
      reason: 'pneumothorax',
      previousUrgency: 'routine' as const,
    };
    const b = { studyInstanceUid: '1.2.4', urgency: 'routine' as const, score: 0.1, reason: 'no finding' };
    worker.emit('worklist.changed', a);
    worker.emit('worklist.changed', b);
    expect(await remote).toEqual([a, b]);
    await worker.idle();
    // The emitter heard its own events once each (locally), not again through NOTIFY.
    await new Promise((r) => setTimeout(r, 200));
    expect(localSeen).toEqual([a, b]);
    expect(effectOnApi).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('carries an event larger than NOTIFY allows through the spill table', async () => {
    const { db, schema, channel } = await freshSchema();
    const errors: unknown[] = [];
    const worker = await bus(db, schema, channel, errors);
    const api = await bus(db, schema, channel, errors);
    const big: StudyAnalysedEvent = {
      studyInstanceUid: '1.2.9',
      status: 'analysed',
      resultIds: Array.from({ length: 400 }, (_, i) => `result-${i}-${'x'.repeat(20)}`),
      analysedAt: 1,
      sopInstanceUid: null,
      complete: true,
    };
    const remote = hear(api, 'study.analysed');
    worker.emit('study.analysed', big);
    expect(await remote).toEqual([big]);
    expect((await db.query('SELECT id FROM cluster_event')).length).toBe(1);
    expect(errors).toEqual([]);
  });

  it('keeps events not named in `relayed` local', async () => {
    const { db, schema, channel } = await freshSchema();
    const errors: unknown[] = [];
    const ingest = await bus(db, schema, channel, errors, ['worklist.changed']);
    const api = await bus(db, schema, channel, errors, ['worklist.changed']);
    const heardStored: unknown[] = [];
    api.on('instance.stored', (p) => void heardStored.push(p));
    const changed = hear(api, 'worklist.changed');
    ingest.emit('instance.stored', {
      studyInstanceUid: '1',
      seriesInstanceUid: '2',
      sopInstanceUid: '3',
      via: 'dimse',
      duplicate: false,
      receivedAt: 0,
    });
    ingest.emit('worklist.changed', { studyInstanceUid: '1', urgency: 'urgent', score: 0.5, reason: 'r' });
    await changed;
    expect(heardStored).toEqual([]);
  });

  it('reconnects a LISTEN connection that the server killed, and reports the loss', async () => {
    const { db, schema, channel } = await freshSchema();
    const errors: unknown[] = [];
    const worker = await bus(db, schema, channel, errors);
    const api = await bus(db, schema, channel, errors);
    // Kill every backend listening on this channel except the worker's (so: the API's).
    const listeners = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()', [
      `LISTEN ${channel}`,
    ]);
    expect(listeners.length).toBe(2);
    await db.query('SELECT pg_terminate_backend($1)', [listeners[0]!.pid]);
    await db.query('SELECT pg_terminate_backend($1)', [listeners[1]!.pid]);
    const deadline = Date.now() + 5000;
    while ((!api.listening || !worker.listening || errors.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(api.listening && worker.listening).toBe(true);
    const remote = hear(api, 'alert.raised');
    worker.emit('alert.raised', { alertId: 'a1', studyInstanceUid: '1.2', reason: 'critical' });
    expect(await remote).toEqual([{ alertId: 'a1', studyInstanceUid: '1.2', reason: 'critical' }]);
  });
});
