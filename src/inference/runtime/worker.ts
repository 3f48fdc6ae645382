import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { prepareImage } from '../preprocess/prepare-image.ts';
import type { ItemReply, OutputTensor, RunRequest, WorkerInit, WorkerModelSpec, WorkerReply } from './protocol.ts';

/**
 * One inference worker thread: loads every model once at start, then serves the batches the
 * pool sends, one at a time. Each image of a batch is prepared here (header gate, decode, window,
 * resize, pixel gate, normalisation: preprocess/prepare-image.ts), and the analysable ones go
 * through ONNX Runtime as one batch. A failing batch answers an error; the thread keeps serving.
 */
const init = (workerData as { init: WorkerInit }).init;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

// libvips' operation cache (up to 50 MB and 100 operations by default) is keyed by input: every
// image here is new, so it never hits and only holds memory. The cache is per process.
sharp.cache(false);

const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/**
 * Lowers this thread's CPU priority (Linux: a thread id is a valid target of setpriority(2)).
 * Threads it creates afterwards (ONNX Runtime's intra-op pool) inherit the nice value, so ingest
 * on the main thread is scheduled first when both want the cores. Best effort: elsewhere it stays.
 */
function lowerPriority(nice: number): void {
  if (nice <= 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    /* not Linux, or not permitted: run at normal priority */
  }
}

const sessions = new Map<string, { session: ort.InferenceSession; spec: WorkerModelSpec }>();

async function load(): Promise<void> {
  lowerPriority(init.nice ?? 0);
  for (const m of init.models) {
    const session = await ort.InferenceSession.create(m.onnxPath, {
      intraOpNumThreads: init.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // Spinning intra-op threads busy-wait between ops; on a small shared CPU they steal the
      // cores that decode and preprocessing need, so they yield instead.
      extra: {
        session: { intra_op: { allow_spinning: init.spinning ? '1' : '0' }, inter_op: { allow_spinning: init.spinning ? '1' : '0' } },
      },
    });
    for (const name of m.outputNames)
      if (!session.outputNames.includes(name))
        throw new Error(`model ${m.id} has no output "${name}" (has ${session.outputNames.join(', ')})`);
    if (!session.inputNames.includes(m.inputName))
      throw new Error(`model ${m.id} has no input "${m.inputName}" (has ${session.inputNames.join(', ')})`);
    sessions.set(m.id, { session, spec: m });
  }
}

function testHooks(first: number | undefined): void {
  if (init.crashOnValue !== undefined && first === init.crashOnValue) process.exit(3);
  if (init.hangOnValue !== undefined && first === init.hangOnValue)
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

async function run(req: RunRequest): Promise<void> {
  const entry = sessions.get(req.modelId);
  if (!entry) throw new Error(`model ${req.modelId} is not loaded in this worker`);
  const items: ItemReply[] = [];
  const ready: { index: number; tensor: Float32Array; dims: number[] }[] = [];
  for (const [index, input] of req.items.entries()) {
    if (input.kind === 'tensor') {
      testHooks(input.data[0]);
      items.push({ prepared: null });
      ready.push({ index, tensor: input.data, dims: input.dims });
      continue;
    }
    if (!entry.spec.card) throw new Error(`model ${req.modelId} was loaded without its card: it cannot prepare images`);
    const p = await prepareImage(input, entry.spec.card);
    if (p.status === 'ready') {
      const { tensor, ...report } = p;
      items.push({ prepared: report });
      ready.push({ index, tensor, dims: p.dims });
    } else items.push({ prepared: p });
  }
  const first = ready[0];
  let inferMs = 0;
  const transfer: ArrayBuffer[] = [];
  if (first) {
    const per = first.tensor.length;
    const batch = new Float32Array(per * ready.length);
    ready.forEach((r, i) => {
      if (r.tensor.length !== per) throw new Error('images of one batch differ in size');
      batch.set(r.tensor, i * per);
    });
    const t0 = performance.now();
    const results = await entry.session.run(
      { [entry.spec.inputName]: new ort.Tensor('float32', batch, [ready.length, ...first.dims]) },
      entry.spec.outputNames,
    );
    inferMs = performance.now() - t0;
    for (const name of entry.spec.outputNames) {
      const t = results[name];
      if (!t || t.type !== 'float32') throw new Error(`output ${name} is missing or not float32`);
      const all = t.data as Float32Array;
      const perOut = all.length / ready.length;
      ready.forEach((r, i) => {
        const data = all.slice(i * perOut, (i + 1) * perOut);
        transfer.push(data.buffer);
        const item = items[r.index] as ItemReply;
        (item.outputs ??= {})[name] = { dims: t.dims.slice(1), data } satisfies OutputTensor;
      });
    }
  }
  reply({ type: 'result', batchId: req.batchId, inferMs, items }, transfer);
}

port.on('message', (req: RunRequest) => {
  run(req).catch((e: unknown) => reply({ type: 'error', batchId: req.batchId, message: e instanceof Error ? e.message : String(e) }));
});

load().then(
  () => reply({ type: 'ready' }),
  (e: unknown) => reply({ type: 'load-error', message: e instanceof Error ? e.message : String(e) }),
);
