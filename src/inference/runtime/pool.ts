import { Worker } from 'node:worker_threads';
import { ReadfirstError } from '../../core/errors.ts';
import type { ImageInput, ItemReply, OutputTensor, RunRequest, WorkerInit, WorkerModelSpec, WorkerReply } from './protocol.ts';

export interface PoolOptions {
  models: WorkerModelSpec[];
  workers: number;
  intraOpThreads: number;
  /** See WorkerInit.spinning (default false). */
  spinning?: boolean;
  /** See WorkerInit.nice (default 0). */
  nice?: number;
  maxBatch: number;
  /** A batch not answered within this long is abandoned: its worker is replaced. */
  jobTimeoutMs: number;
  /** Test hooks, passed to the worker. */
  crashOnValue?: number;
  hangOnValue?: number;
}

/** One image's answer (preparation report, outputs without the batch axis) and where its time went. */
export interface JobResult {
  item: ItemReply;
  queueMs: number;
  inferMs: number;
  batchSize: number;
}

/** A prepared tensor's outputs. */
export interface TensorResult extends Omit<JobResult, 'item'> {
  outputs: Record<string, OutputTensor>;
}

interface Job {
  modelId: string;
  input: ImageInput;
  enqueuedAt: number;
  /** Run alone: set after the job's batch failed, so one bad image cannot sink the others. */
  solo: boolean;
  resolve(r: JobResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  batch: { id: number; jobs: Job[]; startedAt: number; timer: NodeJS.Timeout } | null;
}

const BOOT = new URL('./worker-boot.js', import.meta.url);
const ENTRY = new URL('./worker.ts', import.meta.url).href;

/**
 * A pool of worker threads, each holding one ONNX Runtime session per model. Jobs (an image to
 * prepare and score, or a prepared tensor) queue in order; an idle worker takes up to
 * `maxBatch` queued jobs of one model as one batch. A batch that fails, crashes its worker or
 * times out is retried job by job, so one bad image fails alone; a crashed or stuck worker is
 * replaced. Images are copied to the worker, never transferred, so a retry still has them.
 */
export class InferencePool {
  private readonly queue: Job[] = [];
  private readonly slots: Slot[] = [];
  private nextBatchId = 1;
  private closed = false;

  private constructor(private readonly opts: PoolOptions) {}

  static async start(opts: PoolOptions): Promise<InferencePool> {
    const pool = new InferencePool(opts);
    try {
      await Promise.all(Array.from({ length: opts.workers }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Runs one prepared tensor ([C, H, W] float32) through `modelId`; outputs come without the batch axis. */
  async infer(modelId: string, dims: number[], data: Float32Array): Promise<TensorResult> {
    const { item, ...rest } = await this.run(modelId, { kind: 'tensor', dims, data });
    if (!item.outputs) throw new ReadfirstError('internal', 'inference gave no outputs');
    return { ...rest, outputs: item.outputs };
  }

  /** Prepares (when it is an image) and scores one input in a worker thread. */
  run(modelId: string, input: ImageInput): Promise<JobResult> {
    if (this.closed) return Promise.reject(new ReadfirstError('unavailable', 'inference pool is closed'));
    if (!this.opts.models.some((m) => m.id === modelId))
      return Promise.reject(new ReadfirstError('not-found', `model ${modelId} is not loaded`));
    return new Promise<JobResult>((resolve, reject) => {
      this.queue.push({ modelId, input, enqueuedAt: performance.now(), solo: false, resolve, reject });
      this.dispatch();
    });
  }

  /** Jobs waiting for a worker. */
  queued(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ReadfirstError('unavailable', 'inference pool closed'));
    const slots = this.slots.splice(0);
    for (const s of slots) this.failBatch(s, new ReadfirstError('unavailable', 'inference pool closed'), false);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const init: WorkerInit = {
      models: this.opts.models,
      intraOpThreads: this.opts.intraOpThreads,
      spinning: this.opts.spinning ?? false,
      nice: this.opts.nice ?? 0,
    };
    if (this.opts.crashOnValue !== undefined) init.crashOnValue = this.opts.crashOnValue;
    if (this.opts.hangOnValue !== undefined) init.hangOnValue = this.opts.hangOnValue;
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY, init } });
    const slot: Slot = { worker, ready: false, batch: null };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: WorkerReply) => {
        switch (m.type) {
          case 'ready':
            slot.ready = true;
            resolve();
            this.dispatch();
            return;
          case 'load-error':
            reject(new ReadfirstError('config', `inference worker could not load the models: ${m.message}`));
            return;
          case 'result':
          case 'error':
            this.finishBatch(slot, m);
            return;
        }
      });
      worker.on('error', (e) => {
        if (!slot.ready) reject(new ReadfirstError('internal', `inference worker failed to start: ${e.message}`));
      });
      worker.on('exit', (code) => {
        if (!slot.ready) reject(new ReadfirstError('internal', `inference worker exited with code ${code} during start`));
        this.replace(slot, new ReadfirstError('internal', `inference worker exited with code ${code}`));
      });
    });
  }

  /** Drops a dead or stuck worker, retries its batch job by job, and starts a replacement. */
  private replace(slot: Slot, err: ReadfirstError): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.failBatch(slot, err, true);
    void slot.worker.terminate();
    if (this.closed || !slot.ready) return;
    this.spawn().catch((e: unknown) => {
      if (this.slots.length > 0) return;
      const why = new ReadfirstError('unavailable', `no inference worker left: ${e instanceof Error ? e.message : String(e)}`);
      for (const job of this.queue.splice(0)) job.reject(why);
    });
  }

  private failBatch(slot: Slot, err: ReadfirstError, retrySolo: boolean): void {
    const batch = slot.batch;
    slot.batch = null;
    if (!batch) return;
    clearTimeout(batch.timer);
    if (retrySolo && batch.jobs.length > 1 && !this.closed) {
      for (const job of batch.jobs.reverse()) this.queue.unshift({ ...job, solo: true });
      return;
    }
    for (const job of batch.jobs) job.reject(err);
  }

  private finishBatch(slot: Slot, m: Extract<WorkerReply, { type: 'result' | 'error' }>): void {
    const batch = slot.batch;
    if (!batch || batch.id !== m.batchId) return;
    if (m.type === 'error') {
      this.failBatch(slot, new ReadfirstError('internal', `inference failed: ${m.message}`), true);
    } else {
      clearTimeout(batch.timer);
      slot.batch = null;
      batch.jobs.forEach((job, i) => {
        const item = m.items[i];
        if (item) job.resolve({ item, queueMs: batch.startedAt - job.enqueuedAt, inferMs: m.inferMs, batchSize: batch.jobs.length });
        else job.reject(new ReadfirstError('internal', 'inference worker answered fewer images than it was sent'));
      });
    }
    this.dispatch();
  }

  private takeBatch(): Job[] {
    const first = this.queue.shift();
    if (!first) return [];
    const jobs = [first];
    if (first.solo) return jobs;
    const key = batchKey(first.input);
    for (let i = 0; i < this.queue.length && jobs.length < this.opts.maxBatch;) {
      const j = this.queue[i];
      if (j && !j.solo && j.modelId === first.modelId && batchKey(j.input) === key) {
        jobs.push(j);
        this.queue.splice(i, 1);
      } else i++;
    }
    return jobs;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.batch || this.queue.length === 0) continue;
      const jobs = this.takeBatch();
      const first = jobs[0];
      if (!first) return;
      const id = this.nextBatchId++;
      const timer = setTimeout(
        () => this.replace(slot, new ReadfirstError('timeout', `inference timed out after ${this.opts.jobTimeoutMs} ms`)),
        this.opts.jobTimeoutMs,
      );
      timer.unref();
      slot.batch = { id, jobs, startedAt: performance.now(), timer };
      const req: RunRequest = { type: 'run', batchId: id, modelId: first.modelId, items: jobs.map((j) => j.input) };
      slot.worker.postMessage(req);
    }
  }
}

/** Jobs batch together when the model sees the same input shape: every image of a model does. */
function batchKey(input: ImageInput): string {
  return input.kind === 'tensor' ? input.dims.join('x') : 'image';
}
