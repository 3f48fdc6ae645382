import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../core/errors.ts';
import { prepareVolume } from './prepare.ts';
import type { PrepareControl, PrepareReply, PrepareRequest } from './protocol.ts';

/**
 * A volume preparation worker thread: one per series being read. It reads the files itself, so
 * the main thread never holds a series' bytes or decodes its pixels; it only forwards slabs to
 * the ONNX Runtime pool. Started through runtime/worker-boot.js (the tsx loader).
 */
const port = parentPort;
if (!port) throw new Error('prepare-worker.ts must run in a worker thread');
const request = (workerData as { request: PrepareRequest }).request;
const post = (m: PrepareReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

let credits = request.spec.window;
let wake: (() => void) | null = null;
const reads = new Map<number, { resolve(b: Uint8Array): void; reject(e: Error): void }>();
port.on('message', (m: PrepareControl) => {
  switch (m.type) {
    case 'credit':
      credits += m.n;
      wake?.();
      wake = null;
      return;
    case 'file':
      reads.get(m.index)?.resolve(m.bytes);
      reads.delete(m.index);
      return;
    case 'file-error':
      reads.get(m.index)?.reject(new Error(m.message));
      reads.delete(m.index);
      return;
  }
});
const readFile = (index: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    reads.set(index, { resolve, reject });
    post({ type: 'read', index });
  });
const credit = async (): Promise<void> => {
  while (credits <= 0) await new Promise<void>((r) => (wake = r));
  credits--;
};

try {
  await prepareVolume(request, post, credit, readFile);
} catch (e) {
  post({ type: 'error', message: errorMessage(e) });
}
