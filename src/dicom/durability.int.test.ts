import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeInstance, testUid } from '../../test/support/dicom-gen.ts';
import { type ServerProcess, runReadfirst, startServerProcess, stopServerProcess } from '../../test/support/server-process.ts';
import { allMigrations } from '../app/modules.ts';
import { openDb } from '../store/open.ts';
import { SqlDicomStore } from './store/sql-dicom-store.ts';
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

  // Two real server starts and 400 files through storescu: generous for a loaded CI machine.
  it('keeps every instance storescu saw acknowledged when the server is killed -9 mid-association', { timeout: 180_000 }, async () => {
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
    const scu = spawn('storescu', ['-v', '-aec', 'READFIRST', '+sd', '127.0.0.1', String(first.dimsePort), inDir], {
      env: { ...process.env, TCP_NODELAY: '1' },
    });
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
    const res = await fetch(`http://127.0.0.1:${second.httpPort}/dicom-web/studies/${studyUid}/instances?limit=1000`, {
      headers: bearer(await serviceTokenForDataDir(dataDir)),
    });
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

  it(
    'keeps every file `readfirst import` recorded when it is killed -9, and a rerun completes the folder',
    { timeout: 120_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'rf-kill-import-'));
      const inDir = mkdtempSync(join(tmpdir(), 'rf-kill-import-in-'));
      const studyUid = testUid();
      const seriesUid = testUid();
      const sent = new Map<string, Buffer>();
      for (let n = 1; n <= 300; n++) {
        const x = makeInstance({ studyUid, seriesUid, instanceNumber: n, rows: 128, columns: 128 });
        writeFileSync(join(inDir, `f${String(n).padStart(4, '0')}.dcm`), x.bytes);
        sent.set(x.sopUid, x.bytes);
      }
      const env = { READFIRST_DATA_DIR: dataDir };
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/readfirst.ts', 'import', inDir, '--no-progress'], {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('READFIRST_'))), ...env },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
      // Kill it once some files are on disk: mid-import, with the journal open.
      const filesDir = join(dataDir, 'files', studyUid, seriesUid);
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && child.exitCode === null) {
        if (existsSync(filesDir) && readdirSync(filesDir).length >= 40) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // What the killed run recorded as imported (it would skip those) must be stored, byte for byte.
      const db = await openDb({ sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
      const seen = await db.query<{ path: string }>('SELECT path FROM dicom_import_file');
      const recorded = new Set((await new SqlDicomStore(db).listInstances(studyUid)).map((i) => i.filePath));
      await db.close();
      expect(recorded.size).toBeGreaterThanOrEqual(seen.length);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.length).toBeLessThan(300);

      // The rerun takes over the dead process's lock, replays its journal, and imports the rest.
      const rerun = await runReadfirst(['import', inDir, '--no-progress'], env);
      expect(rerun.stderr).toBe('');
      expect(rerun.code).toBe(0);
      const summary = /(\d+) stored, (\d+) duplicate, (\d+) skipped, (\d+) quarantined, (\d+) failed/.exec(rerun.stdout);
      expect(summary?.slice(1).map(Number)).toEqual([300 - seen.length - Number(summary?.[2]), Number(summary?.[2]), seen.length, 0, 0]);

      const check = await openDb({ sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
      const instances = await new SqlDicomStore(check).listInstances(studyUid);
      await check.close();
      expect(instances).toHaveLength(300);
      for (const i of instances)
        expect(sha(readFileSync(join(dataDir, 'files', i.filePath)))).toBe(sha(sent.get(i.sopInstanceUid) ?? Buffer.alloc(0)));
    },
  );
});
