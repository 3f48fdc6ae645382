/** Messages between the inference pool (main thread) and its ONNX Runtime worker threads. */

export interface WorkerModelSpec {
  id: string;
  onnxPath: string;
  inputName: string;
  outputNames: string[];
}

export interface WorkerInit {
  models: WorkerModelSpec[];
  intraOpThreads: number;
  /** Let ONNX Runtime's threads busy-wait between ops (faster alone, worse when sharing cores). */
  spinning?: boolean;
  /** Test hook: a job whose first input value equals this makes the worker exit abruptly. */
  crashOnValue?: number;
  /** Test hook: a job whose first input value equals this makes the worker hang. */
  hangOnValue?: number;
}

export interface OutputTensor {
  dims: number[];
  data: Float32Array;
}

export interface RunRequest {
  type: 'run';
  batchId: number;
  modelId: string;
  dims: number[];
  data: Float32Array;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'load-error'; message: string }
  | { type: 'result'; batchId: number; inferMs: number; outputs: Record<string, OutputTensor> }
  | { type: 'error'; batchId: number; message: string };
