/** Messages between the inference pool (main thread) and its ONNX Runtime worker threads. */
import type { ModelCard } from '../models/model-card.ts';
import type { ImageSource, PreparedImage } from '../preprocess/prepare-image.ts';

export interface WorkerModelSpec {
  id: string;
  onnxPath: string;
  inputName: string;
  outputNames: string[];
  /** The model card: with it the worker prepares images itself (gate, decode, window, resize). */
  card?: ModelCard;
}

export interface WorkerInit {
  models: WorkerModelSpec[];
  intraOpThreads: number;
  /** Let ONNX Runtime's threads busy-wait between ops (faster alone, worse when sharing cores). */
  spinning?: boolean;
  /**
   * Nice value (0–19) the worker thread and the ONNX Runtime threads it starts run at, so the
   * main thread (ingest acknowledgements) wins the CPU whenever both want it. 0 leaves it.
   */
  nice?: number;
  /** Test hook: a job whose first input value equals this makes the worker exit abruptly. */
  crashOnValue?: number;
  /** Test hook: a job whose first input value equals this makes the worker hang. */
  hangOnValue?: number;
}

export interface OutputTensor {
  dims: number[];
  data: Float32Array;
}

/** One image of a batch: a tensor prepared by the caller ([C, H, W]), or an image the worker prepares. */
export type ImageInput = { kind: 'tensor'; dims: number[]; data: Float32Array } | ImageSource;

/** The worker's preparation report, without the tensor (which went to the model). */
export type PreparedReport = DistributiveOmit<PreparedImage, 'tensor'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** One image's answer: its outputs (batch axis removed) when it reached the model. */
export interface ItemReply {
  /** Null for a caller-prepared tensor. */
  prepared: PreparedReport | null;
  /** Absent when preparation refused or failed the image. */
  outputs?: Record<string, OutputTensor>;
}

export interface RunRequest {
  type: 'run';
  batchId: number;
  modelId: string;
  items: ImageInput[];
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'load-error'; message: string }
  | { type: 'result'; batchId: number; inferMs: number; items: ItemReply[] }
  | { type: 'error'; batchId: number; message: string };
