import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

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
async function ensureDir(dir: string, root: string): Promise<void> {
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
 * target, so readers never see a partial file. New folders are synced into their parents. Only
 * for bytes that are already durable elsewhere (the ingest journal) until `syncFiles` runs.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, root: string): Promise<void> {
  const dir = dirname(path);
  if (relative(root, dir).startsWith('..' + sep)) throw new Error('path escapes its root');
  await ensureDir(dir, root);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes, { flag: 'wx', mode: 0o640 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** fdatasyncs each file (a few at a time), then each of their folders once. */
export async function syncFiles(paths: readonly string[], concurrency = 8): Promise<void> {
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
