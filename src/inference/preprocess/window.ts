import type { GreyFrame } from '../../dicom/pixels/decode.ts';
import { voiFunction } from '../../dicom/pixels/voi.ts';
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

/**
 * y = f(x) in [0, 1] for every value, quantised to 0..UNIT (inverted for MONOCHROME1). When the
 * values are integers over a modest range (every 8–16-bit image) f is evaluated once per
 * possible value into a lookup table, and the pixel pass is a single table read.
 */
function mapToUnit(values: Float32Array, f: (x: number) => number, range: ValueRange | undefined, invert: boolean): Uint16Array {
  const out = new Uint16Array(values.length);
  if (range?.integral && range.max - range.min <= 1 << 16) {
    const min = range.min;
    const lut = new Uint16Array(range.max - min + 1);
    for (let v = 0; v < lut.length; v++) lut[v] = invert ? UNIT - q(f(v + min)) : q(f(v + min));
    for (let i = 0; i < values.length; i++) out[i] = lut[((values[i] as number) - min) | 0] as number;
    return out;
  }
  for (let i = 0; i < values.length; i++) {
    const u = q(f(values[i] as number));
    out[i] = invert ? UNIT - u : u;
  }
  return out;
}

/** A VOI LUT (PS3.3 C.11.2.1.1) as a function: clamped table look-up, scaled to [0, 1]. */
function lutFunction(lut: VoiLut): (x: number) => number {
  const last = lut.data.length - 1;
  const scale = 1 / (2 ** lut.bits - 1);
  return (x) => {
    const idx = Math.round(x - lut.firstMapped);
    return (lut.data[idx < 0 ? 0 : idx > last ? last : idx] ?? 0) * scale;
  };
}

/** Percentile window, as training does: clip((v - p0.5) / (p99.5 - p0.5), 0, 1). */
export function percentileWindow(
  values: Float32Array,
  bounds: readonly [number, number] = PERCENTILE_WINDOW,
  known?: ValueRange,
  invert = false,
): { data: Uint16Array; lo: number; hi: number } {
  const [lo = 0, hi = 0] = percentiles(values, bounds, known);
  const span = Math.max(hi - lo, 1e-6);
  return { data: mapToUnit(values, (x) => (x - lo) / span, known, invert), lo, hi };
}

/**
 * Modality values → [0, 1] display values as the card's `input.window` says: the file's VOI LUT,
 * else its window centre/width, else the 0.5/99.5 percentile window; then MONOCHROME1 inversion.
 */
export function toUnitImage(
  frame: GreyFrame,
  voiLut: VoiLut | null,
  mode: InputSpec['window'],
  bounds: readonly [number, number] = PERCENTILE_WINDOW,
): UnitImage {
  const invert = frame.photometric === 'MONOCHROME1';
  const integral =
    Number.isInteger(frame.rescale.slope) &&
    Number.isInteger(frame.rescale.intercept) &&
    Math.abs(frame.min) < 2 ** 31 &&
    Math.abs(frame.max) < 2 ** 31;
  const range: ValueRange = { min: frame.min, max: frame.max, integral };
  let data: Uint16Array;
  let window: WindowUsed;
  if (mode === 'dicom-voi-else-percentile' && voiLut) {
    data = mapToUnit(frame.values, lutFunction(voiLut), range, invert);
    window = { kind: 'voi-lut' };
  } else if (mode === 'dicom-voi-else-percentile' && frame.window) {
    const fn = frame.voiLutFunction.toUpperCase();
    data = mapToUnit(frame.values, voiFunction(frame.window.center, frame.window.width, fn), range, invert);
    window = { kind: 'window', center: frame.window.center, width: frame.window.width, function: fn };
  } else {
    const p = percentileWindow(frame.values, bounds, range, invert);
    data = p.data;
    window = { kind: 'percentile', lo: p.lo, hi: p.hi };
  }
  return { width: frame.columns, height: frame.rows, data, window };
}
