import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { verifyWebhook } from '../alerts/webhook.ts';
import { configSchema } from '../config/schema.ts';
import { ManualClock } from '../core/clock.ts';
import { createLogger } from '../log/logger.ts';
import { driftTable } from './drift.ts';
import { DriftAlerter } from './drift-alerts.ts';
import { syntheticCases } from './testing.ts';

const SECRET = 'drift-test-secret-0123456789';
const received: { body: string; signature: string }[] = [];
let url = '';
const server = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    received.push({ body, signature: String(req.headers['x-readfirst-signature']) });
    res.writeHead(204).end();
  });
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

const reference = syntheticCases({ n: 300, seed: 1 });
const unshifted = syntheticCases({ n: 300, seed: 2 });
const shifted = syntheticCases({ n: 300, seed: 3, effusionShift: 0.2 });

describe('drift', () => {
  it('finds a planted score shift in exactly that output, and nothing in an unshifted stream', () => {
    expect(driftTable(reference, unshifted).filter((r) => r.drifted)).toEqual([]);
    const rows = driftTable(reference, shifted);
    expect(rows.filter((r) => r.drifted).map((r) => r.subject)).toEqual(['score:effusion']);
    const eff = rows.find((r) => r.subject === 'score:effusion')!;
    expect(eff.psi!).toBeGreaterThan(0.25);
    expect(eff.ks!.pValue).toBeLessThan(1e-6);
    expect(rows.find((r) => r.subject === 'mix:manufacturer')?.drifted).toBe(false);
    // too few in a window: not judged, never an alert
    const few = driftTable(reference.slice(0, 10), shifted).find((r) => r.subject === 'score:effusion');
    expect(few?.drifted).toBe(false);
    expect(few?.note).toMatch(/too few/);
  });

  for (const t of testDbs) {
    it(`raises one signed drift webhook for the shifted stream and stays silent otherwise (${t.name})`, async () => {
      const opened = await t.open();
      const db = opened.db;
      try {
        received.length = 0;
        const clock = new ManualClock(Date.UTC(2026, 11, 1));
        const alerts = configSchema.parse({ alerts: { webhooks: [{ url, secret: SECRET }] } }).alerts;
        const alerter = new DriftAlerter({ db, clock, logger: createLogger('silent'), alerts, psiThreshold: 0.25, cooldownMs: 3600_000 });
        const window = { from: clock.now() - 7 * 86_400_000, to: clock.now() };
        expect(await alerter.raise(driftTable(reference, unshifted), window)).toEqual([]);
        expect(received).toEqual([]);
        const raised = await alerter.raise(driftTable(reference, shifted), window);
        expect(raised.map((a) => a.subject)).toEqual(['score:effusion']);
        expect(received).toHaveLength(1);
        const msg = received[0]!;
        expect(verifyWebhook(SECRET, msg.signature, msg.body, Math.floor(clock.now() / 1000))).toBe(true);
        expect(JSON.parse(msg.body)).toMatchObject({
          type: 'drift',
          subject: 'score:effusion',
          model: { id: 'synthetic', version: '1.0.0' },
          aiGenerated: true,
        });
        // within the cool-down the same drift is not sent again; after it, it is
        expect(await alerter.raise(driftTable(reference, shifted), window)).toEqual([]);
        clock.advance(3600_001);
        expect(await alerter.raise(driftTable(reference, shifted), window)).toHaveLength(1);
        expect((await alerter.list(0)).map((a) => a.subject)).toEqual(['score:effusion', 'score:effusion']);
      } finally {
        await opened.cleanup();
      }
    });
  }
});
