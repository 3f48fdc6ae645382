import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { encodeRecord, recordLength } from './record.ts';
import { listSegments, prepareSegment, retireSegment } from './segment-files.ts';

/** An appended record's segment and the work that must finish before the segment can retire. */
export interface SealedSegment {
  seq: number;
  /** Side work registered with each record (the instance file write); resolves to what it produced. */
  work: Array<Promise<unknown>>;
}

export interface JournalOptions {
  /** Size of each pre-allocated segment file. */
  segmentBytes?: number;
  /** A segment with records and no append for this long is sealed, so its records can be retired. */
  idleSealMs?: number;
  /** Called once per sealed segment, in order; the segment stays until `retire(seq)`. */
  onSealed: (segment: SealedSegment) => void;
}

interface Pending {
  buffers: Buffer[];
  length: number;
  key: string;
  tag: string;
  payload: Uint8Array;
  work: Promise<unknown>;
  resolve: (seq: number) => void;
  reject: (e: unknown) => void;
}

interface Segment {
  seq: number;
  fh: FileHandle;
  used: number;
  work: Array<Promise<unknown>>;
}

const DEFAULT_SEGMENT = 16 << 20;

/**
 * The ingest journal: an append-only log of pre-allocated segment files. `append` resolves once
 * the record is on stable storage (one fdatasync). Appends that arrive while a sync is running
 * are written together and covered by the next single sync (group commit). Writes are issued in
 * order and each sync covers every write before it, so an acknowledged record never follows a
 * torn one. Existing segments are left alone: replay them before opening.
 */
export class IngestJournal {
  private queue: Pending[] = [];
  private running = false;
  private current: Segment | undefined;
  private next: { seq: number; fh: Promise<FileHandle> } | undefined;
  private nextSeq: number;
  private failed: unknown;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly segmentBytes: number;

  private constructor(
    readonly dir: string,
    firstSeq: number,
    private readonly opts: JournalOptions,
  ) {
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT;
    this.nextSeq = firstSeq;
  }

  static async open(dir: string, opts: JournalOptions): Promise<IngestJournal> {
    const existing = await listSegments(dir);
    const j = new IngestJournal(dir, (existing.at(-1)?.seq ?? 0) + 1, opts);
    j.current = await j.openSegment();
    return j;
  }

  /** Whether a payload fits in one segment (larger ones must be written durably another way). */
  fits(key: string, tag: string, payloadBytes: number): boolean {
    return recordLength(key, tag, payloadBytes) <= this.segmentBytes;
  }

  /** Appends a record; resolves with its segment number once it is durable. `work` is awaited before the segment retires. */
  append(key: string, tag: string, payload: Uint8Array, work: Promise<unknown> = Promise.resolve()): Promise<number> {
    if (this.failed !== undefined)
      return Promise.reject(new Error('ingest journal unusable after a write failure', { cause: this.failed }));
    if (!this.fits(key, tag, payload.byteLength)) return Promise.reject(new Error('record larger than a journal segment'));
    work.catch(() => undefined);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ buffers: [], length: 0, key, tag, payload, work, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Seals the open segment (if it holds records) and stops; pending appends finish first. */
  async close(): Promise<void> {
    while (this.running) await new Promise((r) => setTimeout(r, 1));
    clearTimeout(this.idleTimer);
    const cur = this.current;
    this.current = undefined;
    if (cur) {
      await cur.fh.close();
      if (cur.work.length > 0) this.opts.onSealed({ seq: cur.seq, work: cur.work });
      else await retireSegment(this.dir, cur.seq, false);
    }
    const next = this.next;
    this.next = undefined;
    const fh = await next?.fh.catch(() => undefined);
    if (next && fh) {
      await fh.close();
      await retireSegment(this.dir, next.seq, true);
    }
  }

  private async openSegment(): Promise<Segment> {
    const seq = this.nextSeq++;
    const fh = await (this.next?.seq === seq ? this.next.fh : prepareSegment(this.dir, seq, this.segmentBytes));
    // Prepare the following segment in the background, off the append path.
    this.next = { seq: this.nextSeq, fh: prepareSegment(this.dir, this.nextSeq, this.segmentBytes) };
    this.next.fh.catch(() => undefined);
    return { seq, fh, used: 0, work: [] };
  }

  private async seal(): Promise<void> {
    const cur = this.current;
    if (!cur || cur.used === 0) return;
    this.current = await this.openSegment();
    await cur.fh.close();
    this.opts.onSealed({ seq: cur.seq, work: cur.work });
  }

  private async drain(): Promise<void> {
    this.running = true;
    clearTimeout(this.idleTimer);
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.commit(batch);
        } catch (e) {
          this.failed = e;
          for (const p of [...batch, ...this.queue]) p.reject(e);
          this.queue = [];
          return;
        }
      }
    } finally {
      this.running = false;
    }
    this.idleTimer = setTimeout(() => void this.sealIfIdle(), this.opts.idleSealMs ?? 1000);
    this.idleTimer.unref();
  }

  private async sealIfIdle(): Promise<void> {
    if (this.running || this.queue.length > 0 || this.failed !== undefined) return;
    this.running = true;
    try {
      await this.seal();
    } catch (e) {
      this.failed = e;
    } finally {
      this.running = false;
    }
    if (this.queue.length > 0) void this.drain();
  }

  /** Writes a batch at consecutive offsets (rolling to the next segment as needed), one fdatasync per segment touched. */
  private async commit(batch: Pending[]): Promise<void> {
    let i = 0;
    while (i < batch.length) {
      let seg = this.current;
      if (!seg) throw new Error('journal closed');
      const run: Pending[] = [];
      for (; i < batch.length; i++) {
        const p = batch[i] as Pending;
        const rec = encodeRecord(seg.seq, p.key, p.tag, p.payload);
        if (seg.used + rec.length > this.segmentBytes) {
          if (run.length > 0) break;
          await this.seal();
          const fresh = this.current;
          if (!fresh) throw new Error('journal closed');
          seg = fresh;
          i--;
          continue;
        }
        p.buffers = rec.buffers;
        p.length = rec.length;
        run.push(p);
        seg.used += rec.length;
      }
      await this.writeRun(seg, run);
    }
  }

  private async writeRun(seg: Segment, run: Pending[]): Promise<void> {
    let at = seg.used - run.reduce((n, p) => n + p.length, 0);
    // Copies into the page cache synchronously (no thread-pool round trip per record); only the
    // fdatasync waits off the event loop. A short write is continued until all is written.
    for (const p of run) {
      for (const b of p.buffers) {
        for (let done = 0; done < b.length;) {
          const n = writeSync(seg.fh.fd, b, done, b.length - done, at);
          done += n;
          at += n;
        }
      }
    }
    await seg.fh.datasync();
    for (const p of run) {
      seg.work.push(p.work);
      p.resolve(seg.seq);
    }
  }
}
