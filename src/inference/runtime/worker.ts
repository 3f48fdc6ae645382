import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { OutputTensor, RunRequest, WorkerInit, WorkerReply } from './protocol.ts';

/**
 * One ONNX Runtime worker thread: loads every model once at start, then runs the batches the
 * pool sends, one at a time. A failing batch answers an error; the thread keeps serving.
 */
const init = (workerData as { init: WorkerInit }).init;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const sessions = new Map<string, { session: ort.InferenceSession; inputName: string; outputNames: string[] }>();

async function load(): Promise<void> {
  for (const m of init.models) {
    const session = await ort.InferenceSession.create(m.onnxPath, {
      intraOpNumThreads: init.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // Spinning intra-op threads busy-wait between ops; on a small shared CPU they steal the
      // cores that decode and preprocessing need, so they yield instead.
      extra: { session: { intra_op: { allow_spinning: init.spinning ? '1' : '0' }, inter_op: { allow_spinning: init.spinning ? '1' : '0' } } },
    });
    for (const name of m.outputNames)
      if (!session.outputNames.includes(name)) throw new Error(`model ${m.id} has no output "${name}" (has ${session.outputNames.join(', ')})`);
    if (!session.inputNames.includes(m.inputName))
      throw new Error(`model ${m.id} has no input "${m.inputName}" (has ${session.inputNames.join(', ')})`);
    sessions.set(m.id, { session, inputName: m.inputName, outputNames: m.outputNames });
  }
}

async function run(req: RunRequest): Promise<void> {
  const entry = sessions.get(req.modelId);
  if (!entry) throw new Error(`model ${req.modelId} is not loaded in this worker`);
  const first = req.data[0];
  if (init.crashOnValue !== undefined && first === init.crashOnValue) process.exit(3);
  if (init.hangOnValue !== undefined && first === init.hangOnValue) for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  const t0 = performance.now();
  const results = await entry.session.run({ [entry.inputName]: new ort.Tensor('float32', req.data, req.dims) }, entry.outputNames);
  const inferMs = performance.now() - t0;
  const outputs: Record<string, OutputTensor> = {};
  const transfer: ArrayBuffer[] = [];
  for (const name of entry.outputNames) {
    const t = results[name];
    if (!t || t.type !== 'float32') throw new Error(`output ${name} is missing or not float32`);
    const data = new Float32Array(t.data as Float32Array);
    outputs[name] = { dims: [...t.dims], data };
    transfer.push(data.buffer);
  }
  reply({ type: 'result', batchId: req.batchId, inferMs, outputs }, transfer);
}

port.on('message', (req: RunRequest) => {
  run(req).catch((e: unknown) => reply({ type: 'error', batchId: req.batchId, message: e instanceof Error ? e.message : String(e) }));
});

load().then(
  () => reply({ type: 'ready' }),
  (e: unknown) => reply({ type: 'load-error', message: e instanceof Error ? e.message : String(e) }),
);
