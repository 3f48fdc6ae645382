import type { GreyFrame, VoiWindow } from './decode.ts';

/** The file's window, or the full range of the frame when it has none. */
export function defaultWindow(frame: GreyFrame): VoiWindow {
  if (frame.window) return frame.window;
  const width = Math.max(1, frame.max - frame.min);
  return { center: frame.min + width / 2, width };
}

/**
 * Applies a VOI window to 8-bit display values (PS3.3 C.11.2.1.2.1 LINEAR, C.11.2.1.3.1
 * LINEAR_EXACT and C.11.2.1.3.2 SIGMOID), inverting MONOCHROME1 so bright is always dense.
 */
export function toDisplay8(frame: GreyFrame, window: VoiWindow = defaultWindow(frame)): Uint8Array {
  const out = new Uint8Array(frame.values.length);
  const { center: c, width: w } = window;
  const invert = frame.photometric === 'MONOCHROME1';
  const fn = frame.voiLutFunction.toUpperCase();
  for (let i = 0; i < out.length; i++) {
    const x = frame.values[i] ?? 0;
    let y: number;
    if (fn === 'SIGMOID') y = 1 / (1 + Math.exp((-4 * (x - c)) / w));
    else if (fn === 'LINEAR_EXACT') y = (x - (c - w / 2)) / w;
    else if (w <= 1) y = x <= c - 0.5 ? 0 : 1;
    else y = (x - (c - 0.5)) / (w - 1) + 0.5;
    y = Math.min(1, Math.max(0, y));
    out[i] = Math.round((invert ? 1 - y : y) * 255);
  }
  return out;
}
