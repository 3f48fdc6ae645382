// Entry of an inference worker thread. The engine runs from TypeScript sources (under
// `node --import tsx` or vitest), and a worker thread does not inherit the main thread's module
// loader hooks on Node 20: register tsx here, then load the real worker (runtime/worker.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
