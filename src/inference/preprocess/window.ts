import type { GreyFrame } from '../../dicom/pixels/decode.ts';
import type { InputSpec } from '../models/model-card.ts';
import type { VoiLut } from './image-meta.ts';
import { percentiles, type ValueRange } from './percentile.ts';

/** Training's percentile window (training/data.py), the default of the card's `input.percentiles`. */
export const PERCENTILE_WINDOW: readonly [number, number] = [0.5, 99.5];

/** How an image's values were mapped to [0, 1]. */
export type WindowUsed =
  | { kind: 'voi-lut' }
  | { kind: 'window'; center: number; width: number; function: string }
  | { kind: 'percentile'; lo: number; hi: number };

/** Full scale of a UnitImage value (1.0). */
export const UNIT = 65535;

/**
 * A grey image in display space on its original pixel grid: row-major values 0..UNIT standing
 * for [0, 1], 0 = black, MONOCHROME2 orientation (MONOCHROME1 already inverted). Sixteen bits
 * keep far more precision than the 8-bit training images had, and go to sharp's grey16
 * pipeline without another pass.
 */
export interface UnitImage {
  width: number;
  height: number;
  data: Uint16Array;
  window: WindowUsed;
}

/** Clamps y to [0, 1] and quantises it to 0..UNIT. */
const q = (y: number): number => (y <= 0 ? 0 : y >= 1 ? UNIT : (y * UNIT + 0.5) | 0);

function applyLinear(values: Float32Array, c: number, w: number, fn: string): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] ?? 0;
    let y: number;
    // PS3.3 C.11.2.1.2.1 (LINEAR), C.11.2.1.3.1 (LINEAR_EXACT), C.11.2.1.3.2 (SIGMOID)
    if (fn === 'SIGMOID') y = 1 / (1 + Math.exp((-4 * (x - c)) / w));
    else if (fn === 'LINEAR_EXACT') y = (x - (c - w / 2)) / w;
    else if (w <= 1) y = x <= c - 0.5 ? 0 : 1;
    else y = (x - (c - 0.5)) / (w - 1) + 0.5;
    out[i] = q(y);
  }
  return out;
}

function applyLut(values: Float32Array, lut: VoiLut): Uint16Array {
  const out = new Uint16Array(values.length);
  const last = lut.data.length - 1;
  const scale = 1 / (2 ** lut.bits - 1);
  for (let i = 0; i < values.length; i++) {
    const idx = Math.round((values[i] ?? 0) - lut.firstMapped);
    out[i] = q((lut.data[idx < 0 ? 0 : idx > last ? last : idx] ?? 0) * scale);
  }
  return out;
}

/** Percentile window, as training does: clip((v - p0.5) / (p99.5 - p0.5), 0, 1). */
export function percentileWindow(values: Float32Array, bounds: readonly [number, number] = PERCENTILE_WINDOW, known?: ValueRange): { data: Uint16Array; lo: number; hi: number } {
  const [lo = 0, hi = 0] = percentiles(values, bounds, known);
  const k = UNIT / Math.max(hi - lo, 1e-6);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const y = ((values[i] as number) - lo) * k;
    out[i] = y <= 0 ? 0 : y >= UNIT ? UNIT : (y + 0.5) | 0;
  }
  return { data: out, lo, hi };
}

/**
 * Modality values → [0, 1] display values as the card's `input.window` says: the file's VOI LUT,
 * else its window centre/width, else the 0.5/99.5 percentile window; then MONOCHROME1 inversion.
 */
export function toUnitImage(frame: GreyFrame, voiLut: VoiLut | null, mode: InputSpec['window'], bounds: readonly [number, number] = PERCENTILE_WINDOW): UnitImage {
  let data: Uint16Array;
  let window: WindowUsed;
  if (mode === 'dicom-voi-else-percentile' && voiLut) {
    data = applyLut(frame.values, voiLut);
    window = { kind: 'voi-lut' };
  } else if (mode === 'dicom-voi-else-percentile' && frame.window) {
    const fn = frame.voiLutFunction.toUpperCase();
    data = applyLinear(frame.values, frame.window.center, frame.window.width, fn);
    window = { kind: 'window', center: frame.window.center, width: frame.window.width, function: fn };
  } else {
    const integral = Number.isInteger(frame.rescale.slope) && Number.isInteger(frame.rescale.intercept) && Math.abs(frame.min) < 2 ** 31 && Math.abs(frame.max) < 2 ** 31;
    const p = percentileWindow(frame.values, bounds, { min: frame.min, max: frame.max, integral });
    data = p.data;
    window = { kind: 'percentile', lo: p.lo, hi: p.hi };
  }
  if (frame.photometric === 'MONOCHROME1') for (let i = 0; i < data.length; i++) data[i] = UNIT - (data[i] as number);
  return { width: frame.columns, height: frame.rows, data, window };
}
