import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { derive, JPEG_BASELINE, setString } from '../../src/inference/testing/dicom-fixtures.ts';
import type { Db } from '../../src/store/db.ts';
import { TEST_PG_URL } from './dbs.ts';

/** A scratch PostgreSQL database for a scaled-out deployment's processes, dropped by `drop`. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * The READFIRST_* settings of one process of a scaled-out deployment under `root`: its own data
 * directory, the shared database, instance store and audit key.
 */
export function clusterEnv(o: { root: string; name: string; databaseUrl: string; modelDir: string }): Record<string, string> {
  return {
    READFIRST_DATABASE_URL: o.databaseUrl,
    READFIRST_DATA_DIR: join(o.root, o.name),
    READFIRST_FILES_DIR: join(o.root, 'shared-files'),
    READFIRST_SECURITY_AUDIT_KEY_FILE: join(o.root, 'audit.key'),
    READFIRST_INFERENCE_MODEL_DIRS: o.modelDir,
    // One ONNX Runtime worker with one intra-op thread per process: processes, not threads, scale.
    READFIRST_INFERENCE_WORKERS: '1',
    READFIRST_INFERENCE_INTRA_OP_THREADS: '1',
    READFIRST_INGEST_QUIET_PERIOD_MS: '1500',
  };
}

/**
 * `n` one-image chest studies (the shared CR sample, JPEG baseline, with its own UIDs, PA, CHEST)
 * as files in `dir`; returns their Study Instance UIDs. Send them with `storescu -xy`.
 */
export function writeChestStudies(dir: string, n: number, root: string): string[] {
  mkdirSync(dir, { recursive: true });
  const uids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const study = `${root}.${i}`;
    uids.push(study);
    const path = derive(JPEG_BASELINE, `cluster-${i}.dcm`, (d, meta) => {
      setString(d, '0020000D', 'UI', study);
      setString(d, '0020000E', 'UI', `${study}.1`);
      setString(d, '00080018', 'UI', `${study}.1.1`);
      setString(meta, '00020003', 'UI', `${study}.1.1`);
      setString(d, '00080050', 'SH', `ACC${i}`);
      setString(d, '00185101', 'CS', 'PA');
      setString(d, '00180015', 'CS', 'CHEST');
    });
    writeFileSync(join(dir, `s${String(i).padStart(5, '0')}.dcm`), readFileSync(path));
    rmSync(path);
  }
  return uids;
}

/** Sends every file of `dir` in one storescu association (JPEG baseline proposed); resolves with its exit code. */
export function storeFolder(port: number, dir: string): Promise<number | null> {
  const scu = spawn('storescu', ['-xy', '-aec', 'READFIRST', '+sd', '127.0.0.1', String(port), dir], { stdio: 'ignore' });
  return new Promise((resolve) => scu.on('close', (code) => resolve(code)));
}

/** The `n` column of a one-row query (`SELECT count(*) AS n …`), as a number. */
export async function count(db: Db, sql: string): Promise<number> {
  return Number((await db.query<{ n: number | string }>(sql))[0]?.n ?? 0);
}
