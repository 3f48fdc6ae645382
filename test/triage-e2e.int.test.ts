import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../src/app/app.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifyWebhook } from '../src/alerts/webhook.ts';
import { loadConfig } from '../src/config/load.ts';
import { deriveStudy } from '../src/inference/testing/dicom-fixtures.ts';
import { makeTinyPackage } from '../src/inference/testing/tiny-package.ts';
import { acknowledgedCount, runDcmtk } from './support/dcmtk.ts';
import { openSse } from './support/sse.ts';

const SECRET = 'e2e-webhook-secret-0123456789';
/** UID root for this file's studies, distinct from other suites' so they never collide. */
const STUDY_ROOT = '1.2.826.0.1.3680043.10.9';

describe('end to end: storescu → model → worklist SSE → one signed webhook', () => {
  let app: App;
  let hook: Server;
  let base = '';
  let cookie = '';
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  // Pneumothorax positive at every operating point for any image; nothing else ever positive.
  const tiny = makeTinyPackage({
    size: 32,
    card: (c) => {
      for (const f of c.findings) for (const p of f.operatingPoints) p.threshold = f.key === 'pneumothorax' ? 0 : 1;
    },
  });
  const ct = deriveStudy('e2e-ct', `${STUDY_ROOT}.1`, { '00080060': ['CS', 'CT'], '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.2'] });
  const chest = deriveStudy('e2e-pa', `${STUDY_ROOT}.2`, { '00185101': ['CS', 'PA'], '00180015': ['CS', 'CHEST'] });

  const storescu = async (path: string): Promise<void> => {
    const port = app.services.dicom.dimse?.port() ?? 0;
    const r = await runDcmtk('storescu', ['-v', '-aec', 'READFIRST', '127.0.0.1', String(port), path]);
    expect(acknowledgedCount(r.stdout + r.stderr)).toBe(1);
  };

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: mkdtempSync(join(tmpdir(), 'rf-e2e-')),
        log: { level: 'silent' },
        http: { port: 0 },
        dimse: { port: 0, host: '127.0.0.1' },
        ingest: { quietPeriodMs: 200 },
        inference: { modelDirs: [tiny.dir], intraOpThreads: 1 },
        alerts: { webhooks: [{ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, secret: SECRET }] },
      },
    });
    app = await startApp(config);
    base = `http://127.0.0.1:${app.httpPort()}`;
    const auth = app.services.security;
    await auth.users.create({ username: 'reader', password: 'reader password', roles: ['radiologist'] });
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'reader', password: 'reader password' }),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  });
  afterAll(async () => {
    await app?.close();
    hook?.close();
  });

  it('moves the critical chest film to the top of the live worklist and sends exactly one signed alert', async () => {
    const sse = await openSse(`${base}/api/worklist/events`, { cookie });
    await sse.next((f) => f.event === 'ready');
    await storescu(ct.path);
    await sse.next(
      (f) => f.event === 'worklist.changed' && JSON.stringify(f.data).includes(ct.uid) && JSON.stringify(f.data).includes('no-model'),
      30_000,
    );
    await storescu(chest.path);
    const top = await sse.next(
      (f) => f.event === 'worklist.changed' && JSON.stringify(f.data).includes(chest.uid) && JSON.stringify(f.data).includes('"critical"'),
      30_000,
    );
    expect(top.data).toMatchObject({
      position: 1,
      item: { studyInstanceUid: chest.uid, urgency: 'critical', aiStatus: 'analysed', modelId: 'tiny-cxr' },
    });
    expect((top.data as { item: { reason: string } }).item.reason).toMatch(/^Pneumothorax 0\.\d\d ≥ 0\.00 \(balanced\) → critical$/);
    sse.close();

    const page = (await (await fetch(`${base}/api/worklist`, { headers: { cookie } })).json()) as {
      items: Array<{ studyInstanceUid: string }>;
    };
    expect(page.items.map((i) => i.studyInstanceUid)).toEqual([chest.uid, ct.uid]);

    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // A re-send of the same study must not alert again.
    await storescu(chest.path);
    await new Promise((r) => setTimeout(r, 1500));
    await app.ctx.bus.idle();
    await app.services.alerts.idle();
    expect(received).toHaveLength(1);
    const [msg] = received;
    expect(verifyWebhook(SECRET, String(msg?.headers[SIGNATURE_HEADER]), msg?.body ?? '', Math.floor(Date.now() / 1000))).toBe(true);
    expect(JSON.parse(msg?.body ?? '{}')).toMatchObject({
      type: 'critical-result',
      studyInstanceUid: chest.uid,
      deliveryId: msg?.headers[DELIVERY_HEADER],
    });
    expect(await app.services.alerts.list('open')).toHaveLength(1);
  });
});
