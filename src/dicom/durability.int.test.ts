import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeInstance, testUid } from '../../test/support/dicom-gen.ts';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../../test/support/server-process.ts';
import { bearer, serviceTokenForDataDir } from '../../test/support/auth.ts';

/** The data set after a Part-10 file's meta group: what DIMSE carries, byte for byte. */
function datasetOf(file: Buffer): Buffer {
  return file.subarray(144 + file.readUInt32LE(140));
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('durability', () => {
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await stopServerProcess(s, 'SIGKILL');
  });

  it('keeps every instance storescu saw acknowledged when the server is killed -9 mid-association', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rf-kill-'));
    const inDir = mkdtempSync(join(tmpdir(), 'rf-kill-in-'));
    const studyUid = testUid();
    const seriesUid = testUid();
    const sent = new Map<string, { sopUid: string; bytes: Buffer }>();
    for (let n = 1; n <= 400; n++) {
      const x = makeInstance({ studyUid, seriesUid, instanceNumber: n, rows: 128, columns: 128 });
      const path = join(inDir, `f${String(n).padStart(4, '0')}.dcm`);
      writeFileSync(path, x.bytes);
      sent.set(path, { sopUid: x.sopUid, bytes: x.bytes });
    }
    const first = await startServerProcess({ READFIRST_DATA_DIR: dataDir });
    servers.push(first);
    const scu = spawn('storescu', ['-v', '-aec', 'READFIRST', '+sd', '127.0.0.1', String(first.dimsePort), inDir], { env: { ...process.env, TCP_NODELAY: '1' } });
    let out = '';
    const acked: string[] = [];
    let current = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const m = /Sending file: (.*)$/.exec(line);
        if (m?.[1]) current = m[1].trim();
        if (line.includes('Received Store Response (Success)')) acked.push(current);
        if (acked.length === 60 && first.child.exitCode === null) first.child.kill('SIGKILL');
      }
    };
    scu.stdout.on('data', onData);
    scu.stderr.on('data', onData);
    await new Promise<void>((r) => scu.on('close', () => r()));
    expect(acked.length).toBeGreaterThanOrEqual(60);
    expect(acked.length).toBeLessThan(400);

    const second = await startServerProcess({ READFIRST_DATA_DIR: dataDir });
    servers.push(second);
    const res = await fetch(`http://127.0.0.1:${second.httpPort}/dicom-web/studies/${studyUid}/instances?limit=1000`, { headers: bearer(await serviceTokenForDataDir(dataDir)) });
    const listed = new Set(((await res.json()) as Array<Record<string, { Value?: string[] }>>).map((i) => i['00080018']?.Value?.[0]));
    for (const path of acked) {
      const original = sent.get(path);
      expect(original, path).toBeDefined();
      if (!original) continue;
      expect(listed.has(original.sopUid)).toBe(true);
      const stored = readFileSync(join(dataDir, 'files', studyUid, seriesUid, `${original.sopUid}.dcm`));
      expect(sha(datasetOf(stored))).toBe(sha(datasetOf(original.bytes)));
    }
    await stopServerProcess(second);
  });
});
