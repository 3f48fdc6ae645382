import { type FileHandle, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../durable-write.ts';

/** Segment files: `seg-<seq>.wal` hold records; `spare-<n>.wal` are retired segments kept for reuse. */
const SEGMENT_RE = /^seg-(\d{10})\.wal$/;
const SPARE_RE = /^spare-(\d{10})\.wal$/;
const name = (prefix: string, n: number): string => `${prefix}-${String(n).padStart(10, '0')}.wal`;

export const segmentPath = (dir: string, seq: number): string => join(dir, name('seg', seq));

/** Segments present in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<Array<{ seq: number; path: string }>> {
  await mkdir(dir, { recursive: true });
  return (await readdir(dir))
    .map((f) => SEGMENT_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ seq: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Makes segment `seq` ready for appends: a retired segment file is renamed into place when one
 * is spare (its blocks are already allocated and written), otherwise a new file is filled with
 * zeros and synced. Either way the folder is synced once, so later appends only overwrite
 * allocated blocks and one fdatasync makes them durable without a file-system metadata commit.
 */
export async function prepareSegment(dir: string, seq: number, bytes: number): Promise<FileHandle> {
  const path = segmentPath(dir, seq);
  const spare = (await readdir(dir)).find((f) => SPARE_RE.test(f));
  if (spare !== undefined) {
    await rename(join(dir, spare), path);
    const fh = await open(path, 'r+');
    if ((await fh.stat()).size >= bytes) {
      await fsyncDir(dir);
      return fh;
    }
    await fh.close();
  }
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w+', 0o640);
  const zeros = Buffer.alloc(Math.min(bytes, 1 << 20));
  for (let at = 0; at < bytes; at += zeros.length) await fh.write(zeros, 0, Math.min(zeros.length, bytes - at), at);
  await fh.sync();
  await rename(tmp, path);
  await fsyncDir(dir);
  return fh;
}

const MAX_SPARES = 2;

/**
 * Retires a segment whose records are all applied: renamed to a spare for reuse (at most two are
 * kept), or removed. Either way it is no longer replayed; a crash before the rename just replays
 * it again, which is idempotent.
 */
export async function retireSegment(dir: string, seq: number, keepAsSpare: boolean): Promise<void> {
  const spares = (await readdir(dir)).filter((f) => SPARE_RE.test(f)).length;
  if (keepAsSpare && spares < MAX_SPARES) await rename(segmentPath(dir, seq), join(dir, name('spare', seq)));
  else await rm(segmentPath(dir, seq), { force: true });
}
