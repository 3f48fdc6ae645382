import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppWith } from '../../test/support/app.ts';
import type { App } from '../app/app.ts';
import type { AccessGuard } from '../http/server.ts';
import { securityModule } from '../security/module.ts';
import { webModule } from './module.ts';

describe('serving the web app', () => {
  let app: App<{ guard: AccessGuard }>;
  let base: string;
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'rf-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>readfirst</title>');
    writeFileSync(join(root, 'assets', 'codec-abc.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    writeFileSync(join(root, 'assets', 'app-abc.js'), 'export {};');
    app = await startTestAppWith({}, async (m) => {
      const security = await m.start(securityModule, {});
      await m.start(webModule, { root });
      return { guard: security.guard };
    });
    base = `http://127.0.0.1:${app.httpPort()}`;
  });
  afterAll(async () => app.close());

  it('serves wasm as application/wasm and hashed assets as immutable', async () => {
    const wasm = await fetch(`${base}/assets/codec-abc.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${base}/assets/app-abc.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers client-side routes with index.html and a strict CSP', async () => {
    for (const p of ['/', '/study/1.2.3', '/worklist?mine=1']) {
      const res = await fetch(`${base}${p}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<title>readfirst/);
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    }
  });

  it('never serves outside its folder, nor index.html for unknown API paths', async () => {
    const escape = await fetch(`${base}/x/..%2F..%2F..%2F..%2Fetc%2Fpasswd`);
    expect(await escape.text()).not.toMatch(/root:/);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    const api = await fetch(`${base}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: string }).error).toBe('not-found');
  });
});
