import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

/** fsyncs a folder, making the names created, renamed or removed in it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Makes `dir` exist; every directory it had to create is fsynced into its parent, so a new
 * study or series folder survives a crash along with the file in it.
 */
export async function ensureDir(dir: string, root: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const created: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    created.push(d);
    if (d === first || d === root || dirname(d) === d) break;
  }
  for (const d of created) await fsyncDir(dirname(d));
}

/**
 * Writes `bytes` to `path` atomically but without syncing it: a temporary file renamed over the
 * target, so readers never see a partial file. Synchronous on purpose: it only copies into the
 * page cache, and skipping the thread-pool round trips is what keeps ingest latency low on a busy
 * machine. The folder must exist. Only for bytes that are durable elsewhere (the ingest journal)
 * until `syncFiles` runs.
 */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, bytes, { flag: 'wx', mode: 0o640 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** fdatasyncs each file (a few at a time), then each of their folders once. */
export async function syncFiles(paths: readonly string[], concurrency = 2): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const fh = await open(paths[next++] as string, 'r');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  for (const d of new Set(paths.map((p) => dirname(p)))) await fsyncDir(d);
}

/**
 * Writes `bytes` to `path` durably: a temporary file in the same folder, fsync, rename over the
 * target (atomic on POSIX), then fsync of the folder. When this resolves, the file survives a
 * crash or power cut; readers never see a partial file.
 */
export async function writeFileDurable(path: string, bytes: Uint8Array, root: string): Promise<void> {
  const dir = dirname(path);
  if (relative(root, dir).startsWith('..' + sep)) throw new Error('path escapes its root');
  await ensureDir(dir, root);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o640);
  try {
    await fh.writeFile(bytes);
    // fdatasync: contents and size are durable; the rename and folder fsync below make the name durable.
    await fh.datasync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  await fsyncDir(dir);
}
