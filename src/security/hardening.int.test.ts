import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import { authOf, bearer, serviceToken } from '../../test/support/auth.ts';
import { makeInstance } from '../../test/support/dicom-gen.ts';
import { deepSequence, part10 } from '../../test/support/hostile-dicom.ts';
import type { App } from '../app/app.ts';
import { buildMultipart } from '../dicom/dicomweb/multipart.ts';

const json = { 'content-type': 'application/json' };

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends raw bytes on a socket and resolves with what came back when the server closed it, and after how long. */
function rawRequest(port: number, head: string, body: Buffer): Promise<{ ms: number; response: string }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let response = '';
    const s = connect(port, '127.0.0.1', () => s.write(Buffer.concat([Buffer.from(head), body])));
    s.on('data', (d) => (response += d.toString('latin1')));
    s.on('close', () => resolve({ ms: Date.now() - t0, response }));
    s.on('error', reject);
    s.setTimeout(15_000, () => s.destroy(new Error('server never closed the stalled upload')));
  });
}

describe('hardening over HTTP', () => {
  let app: App;
  let base: string;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp({ 'dimse.enabled': false, 'http.idleTimeoutMs': 1_000, 'http.maxConcurrentUploads': 1 });
    base = `http://127.0.0.1:${app.httpPort()}`;
    token = await serviceToken(app);
    await authOf(app).users.create({ username: 'grey', password: 'first password 1', roles: ['radiologist'] });
    await authOf(app).users.create({ username: 'auditor', password: 'auditor password 1', roles: ['auditor'] });
  });
  afterAll(async () => app.close());

  const login = async (username: string, password: string): Promise<{ status: number; cookie: string }> => {
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username, password }) });
    return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
  };

  const stow = async (files: Uint8Array[]): Promise<Response> => {
    const { boundary, body } = buildMultipart(files.map((f) => ({ contentType: 'application/dicom', body: f })));
    return fetch(`${base}/dicom-web/studies`, {
      method: 'POST',
      headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, ...bearer(token) },
      body,
    });
  };

  // Defect 9.
  it('sends security headers on every answer, and no-store on patient data', async () => {
    const x = makeInstance({ patientId: 'HDR-1' });
    expect((await stow([x.bytes])).status).toBe(200);
    for (const [path, auth] of [
      [`/dicom-web/studies?PatientID=HDR-1`, true],
      [`/dicom-web/studies/${x.studyUid}/series/${x.seriesUid}/instances/${x.sopUid}/metadata`, true],
      ['/api/worklist', false],
      ['/nonexistent/api', false],
      ['/healthz', false],
    ] as const) {
      const res = await fetch(`${base}${path}`, { headers: auth ? bearer(token) : {} });
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      if (auth) expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  // Defect 6.
  it('ends every other session when a password changes', async () => {
    const a = await login('grey', 'first password 1');
    const b = await login('grey', 'first password 1');
    const change = await fetch(`${base}/api/auth/password`, {
      method: 'POST',
      headers: { ...json, cookie: a.cookie },
      body: JSON.stringify({ currentPassword: 'first password 1', newPassword: 'second password 2' }),
    });
    expect(change.status).toBe(200);
    const renewed = (change.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${base}/api/auth/me`, { headers: { cookie: b.cookie } })).status).toBe(401);
    expect((await fetch(`${base}/api/auth/me`, { headers: { cookie: a.cookie } })).status).toBe(401);
    expect((await fetch(`${base}/api/auth/me`, { headers: { cookie: renewed } })).status).toBe(200);
    expect((await login('grey', 'first password 1')).status).toBe(401);
    expect((await login('grey', 'second password 2')).status).toBe(200);
  });

  // Defect 7, over HTTP: a back-off answered 429 with Retry-After, not a lock-out.
  it('answers 429 with Retry-After while a sign-in back-off runs', async () => {
    for (let i = 0; i < 5; i++) expect((await login('victim', 'wrong password')).status).toBe(401);
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'victim', password: 'wrong password' }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  // Defect 4: an anonymous 2 GB upload is refused before its body is read; a stalled one is cut off.
  it('refuses an anonymous upload at once and closes a stalled one after the idle timeout', async () => {
    const port = app.httpPort();
    const head = (auth: string): string =>
      `POST /dicom-web/studies HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/related; type="application/dicom"; boundary=b\r\nContent-Length: 2000000000\r\n${auth}\r\n`;
    const anon = await rawRequest(port, head(''), Buffer.alloc(60, 0x41));
    expect(anon.response).toMatch(/^HTTP\/1\.1 401/);
    expect(anon.ms).toBeLessThan(1_000);
    const stalled = await rawRequest(port, head(`Authorization: Bearer ${token}\r\n`), Buffer.alloc(60, 0x41));
    expect(stalled.ms).toBeLessThan(5_000);
    expect(stalled.response).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers 503 with Retry-After past the concurrent-upload limit', async () => {
    const port = app.httpPort();
    const slow = connect(port, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.write(
      `POST /dicom-web/studies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/related; type="application/dicom"; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n`,
    );
    // The first upload is being spooled to disk (not held in memory) once its file appears.
    const spool = join(app.ctx.config.dataDir, 'tmp', 'stow');
    await until(() => existsSync(spool) && readdirSync(spool).length === 1);
    const second = await stow([makeInstance().bytes]);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('5');
    slow.destroy();
    // The aborted upload frees its slot and its spooled file.
    await until(() => readdirSync(spool).length === 0);
  });

  // Defect 2: a STOW of a 200,000-deep data set is quarantined; /healthz stays quick meanwhile.
  it('quarantines a deeply nested data set at ingest and keeps /healthz responsive', async () => {
    const deep = part10('1.2.840.10008.1.2.1', () => [deepSequence(200_000)]);
    const pending = stow([deep.bytes]);
    const t0 = Date.now();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const res = await pending;
    expect(res.status).toBe(409);
    const failed = ((await res.json()) as Record<string, { Value?: Array<Record<string, { Value?: number[] }>> }>)['00081198']?.Value?.[0];
    expect(failed?.['00081197']?.Value?.[0]).toBe(0xc000);
    const q = await app.ctx.db.query<{ reason: string }>("SELECT reason FROM dicom_quarantine WHERE reason = 'too-deep'");
    expect(q.length).toBe(1);
  });

  // Defect 3: views of patient data, sign-ins and STOW are in the audit trail, searchable by the auditor.
  it('audits PHI views and sign-ins, searchable by the auditor role only', async () => {
    const x = makeInstance({ patientId: 'AUD-42' });
    expect((await stow([x.bytes])).status).toBe(200);
    expect((await fetch(`${base}/dicom-web/studies/${x.studyUid}/metadata`, { headers: bearer(token) })).status).toBe(200);
    await authOf(app).auditLog.idle();
    const auditor = await login('auditor', 'auditor password 1');
    const res = await fetch(`${base}/api/audit?objectId=${x.studyUid}&action=phi.view`, { headers: { cookie: auditor.cookie } });
    expect(res.status).toBe(200);
    const rows = (await res.json()) as Array<{ action: string; actor: string; patientId: string; detail: { route: string } }>;
    expect(rows.map((r) => r.action)).toEqual(['phi.view']);
    expect(rows[0]?.patientId).toBe('AUD-42');
    expect(rows[0]?.actor).toMatch(/^svc-/);
    const logins = (await (
      await fetch(`${base}/api/audit?action=user.login&actor=grey`, { headers: { cookie: auditor.cookie } })
    ).json()) as Array<{ outcome: string }>;
    expect(logins.map((r) => r.outcome)).toContain('failure');
    expect(logins.map((r) => r.outcome)).toContain('success');
    const xml = await fetch(`${base}/api/audit/export?action=phi.view`, { headers: { cookie: auditor.cookie } });
    expect(xml.headers.get('content-type')).toMatch(/application\/xml/);
    expect(await xml.text()).toContain('<AuditMessage>');
    const verify = (await (await fetch(`${base}/api/audit/verify`, { headers: { cookie: auditor.cookie } })).json()) as { ok: boolean };
    expect(verify.ok).toBe(true);
  });
});
