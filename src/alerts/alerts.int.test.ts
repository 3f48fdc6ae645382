import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { InMemoryBus } from '../events/bus.ts';
import type { AlertRaisedEvent } from '../events/types.ts';
import { createLogger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import { type AlertService, createAlertService } from './alert-service.ts';
import { AlertStore } from './alert-store.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifyWebhook } from './webhook.ts';

const SECRET = 'primary-secret-0123456789';
const ESC_SECRET = 'escalation-secret-0123456789';
const MIN = 60_000;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

/** A webhook receiver on loopback that checks each signature; `failFirst` answers 503 to the first n posts. */
async function receiver(clock: ManualClock, failFirst = 0): Promise<{ server: Server; url: string; got: Received[] }> {
  const got: Received[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const secret = req.url === '/escalation' ? ESC_SECRET : SECRET;
      got.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        verified: verifyWebhook(secret, String(req.headers[SIGNATURE_HEADER]), body, Math.floor(clock.now() / 1000)),
      });
      res.statusCode = n++ < failFirst ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

/** Enough of an SMTP relay to accept one message per connection. */
async function smtpRelay(): Promise<{ server: TcpServer; port: number; messages: string[] }> {
  const messages: string[] = [];
  const server = createTcpServer((s) => {
    let data = false;
    let buf = '';
    s.write('220 test ESMTP\r\n');
    s.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data) {
          if (line === '.') {
            data = false;
            s.write('250 queued\r\n');
          } else messages[messages.length - 1] += `${line}\n`;
        } else if (line === 'DATA') {
          data = true;
          messages.push('');
          s.write('354 go\r\n');
        } else if (line === 'QUIT') s.end('221 bye\r\n');
        else s.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, messages };
}

describe.each(testDbs)('critical-result alerts: $name', (testDb) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  let bus: InMemoryBus;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let smtp: Awaited<ReturnType<typeof smtpRelay>>;
  let service: AlertService;
  const raised: AlertRaisedEvent[] = [];

  const start = async (failFirst = 0): Promise<void> => {
    hook = await receiver(clock, failFirst);
    smtp = await smtpRelay();
    const config = loadConfig({ env: {} });
    service = createAlertService({
      store: new AlertStore(db),
      clock,
      bus,
      logger: createLogger('silent'),
      publicUrl: 'https://readfirst.example',
      config: {
        ...config.alerts,
        ackTimeoutMs: 15 * MIN,
        webhookBackoffMs: 1000,
        webhooks: [{ url: `${hook.url}/primary`, secret: SECRET }],
        escalationWebhooks: [{ url: `${hook.url}/escalation`, secret: ESC_SECRET }],
        smtp: { host: '127.0.0.1', port: smtp.port, from: 'readfirst@example.org', to: [], escalationTo: ['lead@example.org'] },
      },
    });
  };
  const item = {
    studyInstanceUid: '1.2.840.1',
    reason: 'Pneumothorax 0.93 ≥ 0.71 (high-sensitivity) → critical',
    accessionNumber: 'A1',
    modelId: 'tiny-cxr',
    modelVersion: '0.0.1',
  };

  beforeEach(async () => {
    const handle = await testDb.open();
    db = handle.db;
    cleanup = () => handle.cleanup();
    clock = new ManualClock();
    bus = new InMemoryBus(() => undefined);
    raised.length = 0;
    bus.on('alert.raised', (e) => void raised.push(e));
  });
  afterEach(async () => {
    service.close();
    await service.idle();
    hook.server.close();
    smtp.server.close();
    await cleanup();
  });

  it('sends exactly one signed webhook per study, and records it', async () => {
    await start();
    const first = await service.raise(item);
    const again = await service.raise(item);
    await service.idle();
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(raised).toHaveLength(1);
    expect(hook.got).toHaveLength(1);
    expect(hook.got[0]).toMatchObject({ path: '/primary', verified: true });
    const payload = JSON.parse(hook.got[0]?.body ?? '{}') as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'critical-result',
      level: 'primary',
      alertId: first.alert.id,
      reason: item.reason,
      aiGenerated: true,
      link: 'https://readfirst.example/#/study/1.2.840.1',
    });
    expect(payload.deliveryId).toBe(hook.got[0]?.headers[DELIVERY_HEADER]);
    expect((await service.get(first.alert.id))?.deliveries).toEqual([
      expect.objectContaining({ status: 'delivered', attempts: 1, channel: 'webhook' }),
    ]);
    expect(
      verifyWebhook(SECRET, String(hook.got[0]?.headers[SIGNATURE_HEADER]), `${hook.got[0]?.body ?? ''} `, Math.floor(clock.now() / 1000)),
    ).toBe(false);
  });

  it('retries with back-off under the same delivery id', async () => {
    await start(2);
    const { alert } = await service.raise(item);
    await service.idle();
    expect(hook.got).toHaveLength(1);
    clock.advance(999);
    await service.idle();
    expect(hook.got).toHaveLength(1);
    clock.advance(1);
    await service.idle();
    expect(hook.got).toHaveLength(2);
    clock.advance(2000);
    await service.idle();
    expect(hook.got).toHaveLength(3);
    expect(new Set(hook.got.map((g) => g.headers[DELIVERY_HEADER])).size).toBe(1);
    expect((await service.get(alert.id))?.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('escalates to the second contact list when nobody acknowledges in time', async () => {
    await start();
    const { alert } = await service.raise(item);
    await service.idle();
    clock.advance(15 * MIN - 1);
    await service.idle();
    expect(hook.got.map((g) => g.path)).toEqual(['/primary']);
    clock.advance(1);
    await service.idle();
    expect(hook.got.map((g) => g.path)).toEqual(['/primary', '/escalation']);
    expect(hook.got[1]?.verified).toBe(true);
    expect(JSON.parse(hook.got[1]?.body ?? '{}')).toMatchObject({ level: 'escalation' });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]).toMatch(/Subject: \[readfirst\] ESCALATED critical result: Pneumothorax/);
    expect(await service.get(alert.id)).toMatchObject({ level: 1, status: 'open' });
  });

  it('does not escalate an acknowledged alert', async () => {
    await start();
    const { alert } = await service.raise(item);
    clock.advance(5 * MIN);
    expect(await service.acknowledge(alert.id, 'alice')).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'alice',
      acknowledgedAt: clock.now(),
    });
    clock.advance(30 * MIN);
    await service.idle();
    expect(hook.got.map((g) => g.path)).toEqual(['/primary']);
    expect(await service.list('open')).toHaveLength(0);
  });
});
