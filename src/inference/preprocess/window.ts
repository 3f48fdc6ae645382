import type { GreyFrame } from '../../dicom/pixels/decode.ts';
import type { InputSpec } from '../models/model-card.ts';
import type { VoiLut } from './image-meta.ts';
import { percentiles } from './percentile.ts';

/** Training's percentile window (training/data.py), the default of the card's `input.percentiles`. */
export const PERCENTILE_WINDOW: readonly [number, number] = [0.5, 99.5];

/** How an image's values were mapped to [0, 1]. */
export type WindowUsed =
  | { kind: 'voi-lut' }
  | { kind: 'window'; center: number; width: number; function: string }
  | { kind: 'percentile'; lo: number; hi: number };

/**
 * A grey image in display space on its original pixel grid: row-major values in [0, 1],
 * 0 = black, MONOCHROME2 orientation (MONOCHROME1 already inverted).
 */
export interface UnitImage {
  width: number;
  height: number;
  data: Float32Array;
  window: WindowUsed;
}

function applyLinear(values: Float32Array, c: number, w: number, fn: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] ?? 0;
    let y: number;
    // PS3.3 C.11.2.1.2.1 (LINEAR), C.11.2.1.3.1 (LINEAR_EXACT), C.11.2.1.3.2 (SIGMOID)
    if (fn === 'SIGMOID') y = 1 / (1 + Math.exp((-4 * (x - c)) / w));
    else if (fn === 'LINEAR_EXACT') y = (x - (c - w / 2)) / w;
    else if (w <= 1) y = x <= c - 0.5 ? 0 : 1;
    else y = (x - (c - 0.5)) / (w - 1) + 0.5;
    out[i] = y < 0 ? 0 : y > 1 ? 1 : y;
  }
  return out;
}

function applyLut(values: Float32Array, lut: VoiLut): Float32Array {
  const out = new Float32Array(values.length);
  const last = lut.data.length - 1;
  const scale = 1 / (2 ** lut.bits - 1);
  for (let i = 0; i < values.length; i++) {
    const idx = Math.round((values[i] ?? 0) - lut.firstMapped);
    out[i] = (lut.data[idx < 0 ? 0 : idx > last ? last : idx] ?? 0) * scale;
  }
  return out;
}

/** Percentile window, as training does: clip((v - p0.5) / (p99.5 - p0.5), 0, 1). */
export function percentileWindow(values: Float32Array, bounds: readonly [number, number] = PERCENTILE_WINDOW): { data: Float32Array; lo: number; hi: number } {
  const [lo = 0, hi = 0] = percentiles(values, bounds);
  const span = Math.max(hi - lo, 1e-6);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const y = ((values[i] ?? 0) - lo) / span;
    out[i] = y < 0 ? 0 : y > 1 ? 1 : y;
  }
  return { data: out, lo, hi };
}

/**
 * Modality values → [0, 1] display values as the card's `input.window` says: the file's VOI LUT,
 * else its window centre/width, else the 0.5/99.5 percentile window; then MONOCHROME1 inversion.
 */
export function toUnitImage(frame: GreyFrame, voiLut: VoiLut | null, mode: InputSpec['window'], bounds: readonly [number, number] = PERCENTILE_WINDOW): UnitImage {
  let data: Float32Array;
  let window: WindowUsed;
  if (mode === 'dicom-voi-else-percentile' && voiLut) {
    data = applyLut(frame.values, voiLut);
    window = { kind: 'voi-lut' };
  } else if (mode === 'dicom-voi-else-percentile' && frame.window) {
    const fn = frame.voiLutFunction.toUpperCase();
    data = applyLinear(frame.values, frame.window.center, frame.window.width, fn);
    window = { kind: 'window', center: frame.window.center, width: frame.window.width, function: fn };
  } else {
    const p = percentileWindow(frame.values, bounds);
    data = p.data;
    window = { kind: 'percentile', lo: p.lo, hi: p.hi };
  }
  if (frame.photometric === 'MONOCHROME1') for (let i = 0; i < data.length; i++) data[i] = 1 - (data[i] ?? 0);
  return { width: frame.columns, height: frame.rows, data, window };
}
