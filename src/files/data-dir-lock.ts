import { linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ReadfirstError } from '../core/errors.ts';

/** What the lock file records about its holder. */
export interface LockHolder {
  pid: number;
  /** What holds it: 'serve', 'import'. */
  role: string;
  host: string;
  since: number;
}

export const LOCK_FILE = 'readfirst.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.role === 'string'
      ? { pid: h.pid, role: h.role, host: String(h.host ?? ''), since: Number(h.since ?? 0) }
      : undefined;
  } catch {
    return undefined;
  }
}

function createExclusive(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * One writer per data directory: the server, or `readfirst import`, holds `<dataDir>/readfirst.lock`
 * (its pid, role and host) while it runs. Two writers would replay and retire each other's ingest
 * journal. A lock left by a process that no longer runs (killed, power cut) is taken over:
 * it is renamed aside atomically, so of two processes taking it over at once only one wins.
 */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {}

  static acquire(dataDir: string, role: string): DataDirLock {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, LOCK_FILE);
    const me: LockHolder = { pid: process.pid, role, host: hostname(), since: Date.now() };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createExclusive(path, me)) return new DataDirLock(path, me);
      const held = readHolder(path);
      if (held && held.host === me.host && alive(held.pid)) {
        throw new ReadfirstError(
          'conflict',
          `data directory ${dir} is in use by readfirst ${held.role} (pid ${held.pid}, since ${new Date(held.since).toISOString()}); stop it first, or use another dataDir. If no such process runs, delete ${path}`,
          { pid: held.pid, role: held.role },
        );
      }
      if (held && held.host !== me.host) {
        throw new ReadfirstError(
          'conflict',
          `data directory ${dir} is locked by readfirst ${held.role} on host ${held.host} (pid ${held.pid}); if that host no longer runs it, delete ${path}`,
          { pid: held.pid, host: held.host },
        );
      }
      // Stale (holder gone) or unreadable (a crash while writing it): move it aside and retry.
      const aside = `${path}.stale-${process.pid}-${attempt}`;
      try {
        renameSync(path, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = readHolder(aside);
      if (moved && held && moved.pid !== held.pid && alive(moved.pid)) {
        // Another process took the stale lock over between our read and our rename: put its lock back.
        try {
          linkSync(aside, path);
        } catch {
          /* someone else already holds the path again: retry decides */
        }
      }
      rmSync(aside, { force: true });
    }
    throw new ReadfirstError('conflict', `could not lock data directory ${dir}`);
  }

  /** Removes the lock file if this process still holds it. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readHolder(this.path)?.pid === this.holder.pid) rmSync(this.path, { force: true });
  }
}
