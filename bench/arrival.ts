/**
 * `npm run bench -- arrival [--studies N] [--gap MS]`
 *
 * Score on arrival, seen from outside: one-image chest X-ray studies (real samples with fresh
 * UIDs, alternately DX uncompressed and CR JPEG baseline, 1024²) are sent one by one with dcmtk
 * storescu to a `readfirst serve` process with the default configuration and the bundled model.
 * A signed-in client listens on the worklist's SSE stream. For each study it prints, from the
 * moment storescu reports the acknowledgement ("Received Store Response"), the time until the
 * study is visible on the worklist and until it is ranked with its AI result. Targets: visible
 * p95 ≤ 200 ms, ranked p95 ≤ 1 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServerProcess, stopServerProcess } from '../test/support/server-process.ts';
import { pct, sleep, writeStudies } from './support/backlog.ts';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

interface Seen {
  visibleAt?: number;
  rankedAt?: number;
  aiStatus?: string;
}

/** Reads the worklist SSE stream, noting when each study is first listed and first ranked with its AI result. */
async function watchWorklist(url: string, cookie: string, seen: Map<string, Seen>): Promise<() => void> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', cookie, 'x-requested-with': 'readfirst' }, signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = performance.now();
        buffer += value;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          if (!/^event: worklist.changed$/m.test(block)) continue;
          const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as { item?: { studyInstanceUid: string; aiStatus: string } };
          const item = data.item;
          if (!item) continue;
          const s = seen.get(item.studyInstanceUid) ?? {};
          s.visibleAt ??= at;
          if (item.aiStatus !== 'pending' && s.rankedAt === undefined) {
            s.rankedAt = at;
            s.aiStatus = item.aiStatus;
          }
          seen.set(item.studyInstanceUid, s);
        }
      }
    } catch {
      /* closed */
    }
  })();
  return () => ac.abort();
}

/** Sends one file with storescu; resolves with the moment its acknowledgement was printed. */
function sendOne(port: number, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('storescu', ['-v', '-xy', '-aec', 'READFIRST', '127.0.0.1', String(port), file], {
      env: { ...process.env, TCP_NODELAY: '1' },
    });
    let ackAt: number | undefined;
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (ackAt === undefined && out.includes('Received Store Response (Success)')) ackAt = performance.now();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', () => (ackAt === undefined ? reject(new Error(`storescu: no success response\n${out}`)) : resolve(ackAt)));
  });
}

export async function main(args: string[]): Promise<void> {
  const count = option(args, 'studies', 40);
  const gap = option(args, 'gap', 250);
  const studies = writeStudies(count + 2, 'arrival');
  const files = readdirSync(studies.dir)
    .sort()
    .map((f) => join(studies.dir, f));
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-bench-arrival-'));
  process.stdout.write(
    `arrival: ${count} one-image studies (DX uncompressed / CR JPEG baseline, 1024²), one storescu association each, ${gap} ms apart; default config, bundled model\n`,
  );
  process.stdout.write(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2-core machine shared with other work: noisy)\n`,
  );
  const password = 'arrival benchmark password';
  const add = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/readfirst.ts', 'user', 'add', 'bench', '--password-stdin'], {
    input: password,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('READFIRST_'))),
      READFIRST_DATA_DIR: dataDir,
      READFIRST_LOG_LEVEL: 'warn',
    },
  });
  if (add.status !== 0) throw new Error(`user add failed: ${add.stderr.toString()}`);
  const server = await startServerProcess({ READFIRST_DATA_DIR: dataDir });
  const seen = new Map<string, Seen>();
  let stop = (): void => undefined;
  try {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password }),
    });
    if (!login.ok) throw new Error(`login failed: HTTP ${login.status}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    stop = await watchWorklist(`${base}/api/worklist/events`, cookie, seen);
    const acks = new Map<string, number>();
    for (const [i, file] of files.entries()) {
      const uid = studies.studyUids[i] as string;
      acks.set(uid, await sendOne(server.dimsePort, file));
      const deadline = performance.now() + 30_000;
      while (seen.get(uid)?.rankedAt === undefined && performance.now() < deadline) await sleep(5);
      await sleep(gap);
    }
    const visible: number[] = [];
    const ranked: number[] = [];
    const statuses = new Map<string, number>();
    let missing = 0;
    // The first two warm the model up and are left out.
    for (const uid of studies.studyUids.slice(2)) {
      const s = seen.get(uid);
      const ack = acks.get(uid) ?? NaN;
      if (s?.visibleAt === undefined || s.rankedAt === undefined) {
        missing++;
        continue;
      }
      visible.push(Math.max(0, s.visibleAt - ack));
      ranked.push(Math.max(0, s.rankedAt - ack));
      statuses.set(s.aiStatus ?? '?', (statuses.get(s.aiStatus ?? '?') ?? 0) + 1);
    }
    const f = (v: number): string => v.toFixed(0);
    const vp95 = pct(visible, 95);
    const rp95 = pct(ranked, 95);
    process.stdout.write(
      `AI status of the ranked studies: ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}${missing ? `; ${missing} not seen ranked within 30 s` : ''}\n`,
    );
    process.stdout.write(
      `ack → visible on the worklist: p50 ${f(pct(visible, 50))} ms, p95 ${f(vp95)} ms (target <= 200 ms) ${vp95 <= 200 ? 'MET' : 'NOT MET'}\n`,
    );
    process.stdout.write(
      `ack → ranked with its AI result: p50 ${f(pct(ranked, 50))} ms, p95 ${f(rp95)} ms (target <= 1000 ms) ${rp95 <= 1000 && missing === 0 ? 'MET' : 'NOT MET'}\n`,
    );
    process.stdout.write(
      `(visible can precede the ack: the server lists the study as soon as it is durable, before storescu has read the response)\n`,
    );
    process.stdout.write(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
  } finally {
    stop();
    await stopServerProcess(server);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(studies.dir, { recursive: true, force: true });
  }
}
