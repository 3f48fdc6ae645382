import { ReadfirstError } from '../core/errors.ts';

/** One stored image to analyse. */
export interface AnalysisJob {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

export interface AnalysisQueueOptions {
  /** Jobs held waiting at most; beyond it `offer` defers and `put` waits. */
  capacity: number;
  /** Jobs running at once (enough to fill the workers' batches, no more: each holds its image). */
  concurrency: number;
  run: (job: AnalysisJob) => Promise<void>;
  /** Told about every change of depth, in-flight count and deferral (metrics). */
  onChange?: (state: { queued: number; inFlight: number; deferred: boolean }) => void;
}

interface Entry {
  job: AnalysisJob;
  done: Promise<void>;
  settle: { resolve: () => void; reject: (e: unknown) => void };
}

/**
 * The bounded queue between ingest and analysis. Ingest has priority: `offer` is called from the
 * `instance.stored` handler, never waits and never fails the store; when the queue is full the
 * image is *deferred* (not held in memory) and the study's completion pass (`put`, which may
 * wait for room, off the acknowledgement path) analyses it later. The same image queued twice
 * runs once. Memory stays bounded by `capacity` keys plus `concurrency` images.
 */
export class AnalysisQueue {
  private readonly waiting: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();
  private readonly blocked: { entry: Entry; admitted: () => void }[] = [];
  private running = 0;
  private closed = false;

  constructor(private readonly opts: AnalysisQueueOptions) {}

  /** Queues an image unless the queue is full; its completion, or null when deferred. */
  offer(job: AnalysisJob): Promise<void> | null {
    const accepted = this.tryAdd(job);
    if (!accepted) this.changed(true);
    return accepted;
  }

  /** Queues an image, waiting for room when the queue is full; resolves when it was analysed. */
  async put(job: AnalysisJob): Promise<void> {
    const accepted = this.tryAdd(job);
    if (accepted) return accepted;
    if (this.closed) throw new ReadfirstError('unavailable', 'analysis queue closed');
    const entry = this.entry(job);
    await new Promise<void>((admitted) => this.blocked.push({ entry, admitted }));
    return entry.done;
  }

  private tryAdd(job: AnalysisJob): Promise<void> | null {
    const known = this.byKey.get(job.sopInstanceUid);
    if (known) return known.done;
    if (this.closed || this.waiting.length >= this.opts.capacity) return null;
    const entry = this.entry(job);
    this.waiting.push(entry);
    this.pump();
    return entry.done;
  }

  queued(): number {
    return this.waiting.length;
  }

  inFlight(): number {
    return this.running;
  }

  /** Resolves once nothing is queued, waiting for room or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.byKey.size > 0) await Promise.allSettled([...this.byKey.values()].map((e) => e.done));
  }

  /** Stops taking work, drops what waits (it is analysed again at its study's completion) and lets running jobs finish. */
  async close(): Promise<void> {
    this.closed = true;
    const dropped = [...this.waiting.splice(0), ...this.blocked.splice(0).map((b) => b.entry)];
    for (const e of dropped) {
      this.byKey.delete(e.job.sopInstanceUid);
      e.settle.reject(new ReadfirstError('unavailable', 'analysis queue closed'));
    }
    await this.idle();
  }

  private entry(job: AnalysisJob): Entry {
    let settle!: Entry['settle'];
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => undefined);
    const entry = { job, done, settle };
    this.byKey.set(job.sopInstanceUid, entry);
    return entry;
  }

  private pump(): void {
    while (this.running < this.opts.concurrency) {
      const entry = this.waiting.shift();
      if (!entry) break;
      this.running++;
      Promise.resolve()
        .then(() => this.opts.run(entry.job))
        .then(entry.settle.resolve, entry.settle.reject)
        .finally(() => {
          this.running--;
          this.byKey.delete(entry.job.sopInstanceUid);
          this.admit();
          this.pump();
        });
    }
    this.changed(false);
  }

  /** Moves callers of `put` that waited for room into the queue. */
  private admit(): void {
    while (!this.closed && this.waiting.length < this.opts.capacity) {
      const b = this.blocked.shift();
      if (!b) return;
      this.waiting.push(b.entry);
      b.admitted();
    }
  }

  private changed(deferred: boolean): void {
    this.opts.onChange?.({ queued: this.waiting.length, inFlight: this.running, deferred });
  }
}
