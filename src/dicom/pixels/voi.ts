import type { GreyFrame, VoiWindow } from './decode.ts';

/** The file's window, or the full range of the frame when it has none. */
export function defaultWindow(frame: GreyFrame): VoiWindow {
  if (frame.window) return frame.window;
  const width = Math.max(1, frame.max - frame.min);
  return { center: frame.min + width / 2, width };
}

/**
 * The VOI window function, modality value → [0, 1] before clamping: PS3.3 C.11.2.1.2.1
 * (LINEAR), C.11.2.1.3.1 (LINEAR_EXACT) and C.11.2.1.3.2 (SIGMOID); `fn` upper-case.
 * The one definition for display (`toDisplay8`) and model input (inference `window.ts`).
 */
export function voiFunction(center: number, width: number, fn: string): (x: number) => number {
  const c = center;
  const w = width;
  if (fn === 'SIGMOID') return (x) => 1 / (1 + Math.exp((-4 * (x - c)) / w));
  if (fn === 'LINEAR_EXACT') return (x) => (x - (c - w / 2)) / w;
  if (w <= 1) return (x) => (x <= c - 0.5 ? 0 : 1);
  return (x) => (x - (c - 0.5)) / (w - 1) + 0.5;
}

/** Applies a VOI window to 8-bit display values, inverting MONOCHROME1 so bright is always dense. */
export function toDisplay8(frame: GreyFrame, window: VoiWindow = defaultWindow(frame)): Uint8Array {
  const out = new Uint8Array(frame.values.length);
  const f = voiFunction(window.center, window.width, frame.voiLutFunction.toUpperCase());
  const invert = frame.photometric === 'MONOCHROME1';
  for (let i = 0; i < out.length; i++) {
    const y = Math.min(1, Math.max(0, f(frame.values[i] ?? 0)));
    out[i] = Math.round((invert ? 1 - y : y) * 255);
  }
  return out;
}
