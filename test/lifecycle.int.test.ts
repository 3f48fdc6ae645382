import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from '../src/app/app.ts';
import { allMigrations } from '../src/app/modules.ts';
import { loadConfig } from '../src/config/load.ts';
import { systemClock } from '../src/core/clock.ts';
import { UserStore } from '../src/security/users.ts';
import { openDb } from '../src/store/open.ts';
import { runDcmtk } from './support/dcmtk.ts';
import { makeInstance, testUid } from './support/dicom-gen.ts';
import { type ServerProcess, startServerProcess, stopServerProcess } from './support/server-process.ts';
import { openSse } from './support/sse.ts';
import { bearer, serviceTokenForDataDir } from './support/auth.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** The data set after a Part-10 file's meta group: what DIMSE carries, byte for byte. */
const datasetOf = (file: Buffer): Buffer => file.subarray(144 + file.readUInt32LE(140));

async function signIn(base: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'reader', password: 'reader password' }),
  });
  expect(res.status).toBe(200);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

/** Sends SIGTERM or SIGINT and resolves with how long the process took to exit, and its exit code. */
async function stopTimed(p: ServerProcess, signal: NodeJS.Signals): Promise<{ ms: number; code: number | null }> {
  const t0 = Date.now();
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  p.child.kill(signal);
  const code = await exited;
  return { ms: Date.now() - t0, code };
}

describe('process lifecycle', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-life-'));
  const env = { READFIRST_DATA_DIR: dataDir, READFIRST_LOG_LEVEL: 'info', READFIRST_INGEST_QUIET_PERIOD_MS: '60000' };
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await stopServerProcess(s, 'SIGKILL');
  });

  // Two real server starts and storescu: generous under a loaded CI machine; the 10 s is asserted inside.
  it(
    'SIGTERM with an open SSE client and storescu mid-association: exits within 10 s, keeps every acknowledged instance',
    { timeout: 180_000 },
    async () => {
      const db = await openDb({ sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
      await new UserStore(db, systemClock).create({ username: 'reader', password: 'reader password', roles: ['radiologist'] });
      await db.close();
      const inDir = mkdtempSync(join(tmpdir(), 'rf-life-in-'));
      const studyUid = testUid();
      const seriesUid = testUid();
      const sent = new Map<string, { sopUid: string; bytes: Buffer }>();
      for (let n = 1; n <= 200; n++) {
        const x = makeInstance({ studyUid, seriesUid, instanceNumber: n, rows: 128, columns: 128 });
        const path = join(inDir, `f${String(n).padStart(4, '0')}.dcm`);
        writeFileSync(path, x.bytes);
        sent.set(path, { sopUid: x.sopUid, bytes: x.bytes });
      }
      const server = await startServerProcess(env);
      servers.push(server);
      const base = `http://127.0.0.1:${server.httpPort}`;
      const sse = await openSse(`${base}/api/worklist/events`, await signIn(base));
      await sse.next((f) => f.event === 'ready');

      const scu = spawn('storescu', ['-v', '-aec', 'READFIRST', '+sd', '127.0.0.1', String(server.dimsePort), inDir], {
        env: { ...process.env, TCP_NODELAY: '1' },
      });
      let out = '';
      let current = '';
      const acked: string[] = [];
      let stopped: Promise<{ ms: number; code: number | null }> | undefined;
      const onData = (d: Buffer): void => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop() ?? '';
        for (const line of lines) {
          const m = /Sending file: (.*)$/.exec(line);
          if (m?.[1]) current = m[1].trim();
          if (line.includes('Received Store Response (Success)')) acked.push(current);
          if (acked.length === 30 && !stopped) stopped = stopTimed(server, 'SIGTERM');
        }
      };
      scu.stdout.on('data', onData);
      scu.stderr.on('data', onData);
      const scuDone = new Promise<void>((r) => scu.on('close', () => r()));
      await scuDone;
      expect(stopped, 'storescu finished before 30 acknowledgements').toBeDefined();
      const { ms, code } = await (stopped ?? Promise.reject(new Error('not stopped')));
      expect(ms, server.stdout().split('\n').slice(-15).join('\n')).toBeLessThan(10_000);
      expect(code).toBe(0);
      expect(acked.length).toBeGreaterThanOrEqual(30);
      expect(acked.length).toBeLessThan(200);
      // The SSE stream was ended by the server, not left hanging.
      expect(sse.frames.some((f) => f.event === 'ready')).toBe(true);
      sse.close();
      // The log: JSON lines only, and it says it stopped in order.
      const lines = server.stdout().split('\n').filter(Boolean);
      for (const l of lines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
      expect(lines.map((l) => (JSON.parse(l) as { msg?: string }).msg)).toEqual(
        expect.arrayContaining(['readfirst stopping', 'DIMSE SCP stopped', 'readfirst stopped']),
      );

      const again = await startServerProcess(env);
      servers.push(again);
      const token = await serviceTokenForDataDir(dataDir, ['dicomweb:read']);
      const res = await fetch(`http://127.0.0.1:${again.httpPort}/dicom-web/studies/${studyUid}/instances?limit=1000`, {
        headers: bearer(token),
      });
      const listed = new Set(((await res.json()) as Array<Record<string, { Value?: string[] }>>).map((i) => i['00080018']?.Value?.[0]));
      for (const path of acked) {
        const original = sent.get(path);
        expect(original, path).toBeDefined();
        if (!original) continue;
        expect(listed.has(original.sopUid), path).toBe(true);
        const stored = readFileSync(join(dataDir, 'files', studyUid, seriesUid, `${original.sopUid}.dcm`));
        expect(sha(datasetOf(stored))).toBe(sha(datasetOf(original.bytes)));
      }
    },
  );

  it('a second server on the same data directory refuses to start, naming the holder', async () => {
    const holder = servers.at(-1);
    if (!holder) throw new Error('no running server');
    // Started in this process (a real start, cheaper than a third child): it must refuse before touching anything.
    const config = loadConfig({
      env: {},
      overrides: { dataDir, 'log.level': 'silent', 'http.port': 0, 'dimse.port': 0, 'dimse.host': '127.0.0.1' },
    });
    await expect(startApp(config)).rejects.toThrow(new RegExp(`data directory .* is in use by readfirst serve \\(pid ${holder.child.pid}`));
    expect((await fetch(`http://127.0.0.1:${holder.httpPort}/healthz`)).status).toBe(200);
  });

  it('a peer A-ABORT leaves stdout pure JSON lines', async () => {
    const holder = servers.at(-1);
    if (!holder) throw new Error('no running server');
    const r = await runDcmtk('echoscu', ['--abort', '-aec', 'READFIRST', '127.0.0.1', String(holder.dimsePort)]);
    expect(r.code).toBe(0);
    const deadline = Date.now() + 5000;
    while (!holder.stdout().includes('aborted by the peer') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const lines = holder.stdout().split('\n').filter(Boolean);
    for (const l of lines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'DIMSE association aborted by the peer')).toBe(true);
  });

  it('SIGINT with an open SSE client exits within 10 s', async () => {
    const holder = servers.at(-1);
    if (!holder) throw new Error('no running server');
    const base = `http://127.0.0.1:${holder.httpPort}`;
    const sse = await openSse(`${base}/api/alerts/events`, await signIn(base));
    await sse.next((f) => f.event === 'ready');
    const { ms, code } = await stopTimed(holder, 'SIGINT');
    sse.close();
    expect(ms, holder.stdout().split('\n').slice(-15).join('\n')).toBeLessThan(10_000);
    expect(code).toBe(0);
  });
});
