import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbs } from '../../../test/support/dbs.ts';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../log/logger.ts';
import { stowRsSender } from '../writeback/stow-rs-client.ts';
import { backoffDelay, OutboxWorker, type OutboxWorkerConfig } from './outbox-worker.ts';
import { type OutboxObject, OutboxStore } from './outbox-store.ts';

const sqlite = testDbs.find((d) => d.name === 'sqlite');
const obj = (id: string): OutboxObject => ({
  id,
  studyInstanceUid: '1.2.3',
  kind: 'sr',
  contentType: 'application/dicom',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.88.34',
  seriesInstanceUid: '1.2.3.9',
  description: 'sr',
  body: Buffer.from(`object ${id}`),
});
const CONFIG: OutboxWorkerConfig = {
  maxAttempts: 4,
  backoffMs: 1_000,
  maxBackoffMs: 4_000,
  pollMs: 60_000,
  leaseMs: 30_000,
  batchSize: 10,
};

/** A STOW-RS peer whose answer the test sets: down (503), refusing one object (409 + FailedSOPSequence), or storing. */
let mode: 'down' | 'refuse-1.2' | 'store' = 'down';
const posts: string[][] = [];
function peer(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ids = [
        ...Buffer.concat(chunks)
          .toString('latin1')
          .matchAll(/object ([0-9.]+)/g),
      ].map((m) => m[1] ?? '');
      posts.push(ids);
      if (mode === 'down') return void res.writeHead(503).end();
      const ref = (uid: string): Record<string, unknown> => ({ '00081155': { vr: 'UI', Value: [uid] } });
      const refused: string[] = mode === 'refuse-1.2' ? ids.filter((i) => i === '1.2') : [];
      const stored = ids.filter((i) => !refused.includes(i));
      res.writeHead(refused.length ? 202 : 200, { 'content-type': 'application/dicom+json' });
      res.end(
        JSON.stringify({
          '00081199': { vr: 'SQ', Value: stored.map(ref) },
          ...(refused.length
            ? { '00081198': { vr: 'SQ', Value: refused.map((u) => ({ ...ref(u), '00081197': { vr: 'US', Value: [0xa900] } })) } }
            : {}),
        }),
      );
    });
  });
}

describe('outbox worker over a real STOW-RS peer (back-off, give-up, restart)', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = peer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
  });
  afterAll(() => server.close());

  it('doubles the back-off up to its cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(CONFIG, n))).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
  });

  it('retries a peer that is down with back-off, keeps the schedule across a restart, and delivers once it is back', async () => {
    if (!sqlite) throw new Error('no sqlite test db');
    const handle = await sqlite.open();
    const { db } = handle;
    try {
      const clock = new ManualClock();
      const store = new OutboxStore(db);
      const logger = createLogger('silent');
      const make = (): OutboxWorker =>
        new OutboxWorker({
          store,
          senders: [stowRsSender({ id: 'pacs', url, headers: {}, timeoutMs: 5_000 })],
          clock,
          logger,
          config: CONFIG,
        });
      mode = 'down';
      posts.length = 0;
      await store.enqueue(obj('1.1'), ['pacs'], clock.now());
      await store.enqueue(obj('1.2'), ['pacs'], clock.now());
      let worker = make();
      worker.start();
      await worker.idle();
      expect(posts).toEqual([['1.1', '1.2']]);
      expect(worker.destinations()).toEqual([{ id: 'pacs', up: false, consecutiveFailures: 1, lastError: 'STOW-RS HTTP 503' }]);
      clock.advance(999);
      await worker.idle();
      expect(posts).toHaveLength(1);
      // Restart: the new worker honours the stored retry time instead of hammering the peer.
      await worker.close();
      worker = make();
      worker.start();
      await worker.idle();
      expect(posts).toHaveLength(1);
      clock.advance(1);
      await new Promise((r) => setTimeout(r, 50));
      await worker.idle();
      expect(posts).toHaveLength(2);
      mode = 'store';
      clock.advance(2_000);
      await new Promise((r) => setTimeout(r, 50));
      await worker.idle();
      expect(posts).toHaveLength(3);
      expect((await store.deliveries()).map((d) => [d.objectId, d.state, d.attempts])).toEqual([
        ['1.1', 'delivered', 3],
        ['1.2', 'delivered', 3],
      ]);
      clock.advance(100_000);
      await new Promise((r) => setTimeout(r, 50));
      await worker.idle();
      expect(posts).toHaveLength(3);
      expect(worker.destinations()[0]?.up).toBe(true);
      await worker.close();
    } finally {
      await handle.cleanup();
    }
  });

  it('gives up at once on an object the peer refuses, and after maxAttempts on a peer that stays down', async () => {
    if (!sqlite) throw new Error('no sqlite test db');
    const handle = await sqlite.open();
    const { db } = handle;
    try {
      const clock = new ManualClock();
      const store = new OutboxStore(db);
      const worker = new OutboxWorker({
        store,
        senders: [stowRsSender({ id: 'pacs', url, headers: {}, timeoutMs: 5_000 })],
        clock,
        logger: createLogger('silent'),
        config: CONFIG,
      });
      mode = 'refuse-1.2';
      await store.enqueue(obj('1.1'), ['pacs'], clock.now());
      await store.enqueue(obj('1.2'), ['pacs'], clock.now());
      worker.start();
      await worker.idle();
      expect((await store.deliveries()).map((d) => [d.objectId, d.state, d.attempts, d.lastError])).toEqual([
        ['1.1', 'delivered', 1, null],
        ['1.2', 'failed', 1, 'STOW-RS 202: failure reason 0xa900'],
      ]);
      mode = 'down';
      await store.enqueue(obj('1.3'), ['pacs'], clock.now());
      worker.kick();
      await worker.idle();
      for (let i = 0; i < 6; i++) {
        clock.advance(4_000);
        await new Promise((r) => setTimeout(r, 30));
        await worker.idle();
      }
      const last = (await store.deliveries()).find((d) => d.objectId === '1.3');
      expect(last).toMatchObject({ state: 'failed', attempts: CONFIG.maxAttempts, lastError: 'STOW-RS HTTP 503' });
      expect(await store.destinationCounts()).toEqual([
        expect.objectContaining({ destination: 'pacs', delivered: 1, failed: 2, pending: 0 }),
      ]);
      await worker.close();
    } finally {
      await handle.cleanup();
    }
  });
});
