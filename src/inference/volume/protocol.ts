import type { InputSpec } from '../models/model-card.ts';
import type { AssemblyOutcome, VolumeLimits } from './assemble.ts';
import type { Vec3 } from './slice-header.ts';
import type { MrNormalization, WindowPreset } from './windows.ts';

/** Messages between the volume preparation worker and the engine (main thread). */
export interface PrepareSpec {
  windows: WindowPreset[] | null;
  mr: MrNormalization | null;
  context: number;
  width: number;
  height: number;
  normalization: InputSpec['normalization'];
  limits: VolumeLimits;
  /** Slabs in flight before the worker waits for the engine (bounds memory on long series). */
  window: number;
}

/** The worker asks for each file's bytes by index (`read`), so files stay behind `InstanceFiles`. */
export interface PrepareRequest {
  fileCount: number;
  spec: PrepareSpec;
}

/** The assembled volume as the engine reports it: slice order, spacing, what was left out. */
export interface VolumeSummary {
  slices: { sopInstanceUid: string; frameIndex: number; offsetMm: number }[];
  rows: number;
  columns: number;
  spacing: Vec3;
  normal: Vec3;
  excludedLocalizers: number;
}

export type PrepareReply =
  | { type: 'refused'; outcome: Extract<AssemblyOutcome, { ok: false }> }
  | { type: 'plan'; summary: VolumeSummary; headersMs: number }
  | { type: 'slab'; index: number; data: Float32Array }
  | { type: 'done'; decodeMs: number; peakRssBytes: number }
  | { type: 'error'; message: string }
  | { type: 'read'; index: number };

/** Engine → worker: `credit` lets the worker send that many more slabs; `file` answers a `read`. */
export type PrepareControl =
  | { type: 'credit'; n: number }
  | { type: 'file'; index: number; bytes: Uint8Array }
  | { type: 'file-error'; index: number; message: string };
