import sharp from 'sharp';
import type { Placement } from '../preprocess/resize.ts';
import { UNIT, type UnitImage } from '../preprocess/window.ts';

/**
 * The image part of a resized model input ([0, 1] floats, letterbox padding cut away) as a unit
 * image: the pixel checks can reuse the resize the model needs instead of making their own.
 */
export function fromModelInput(data: Float32Array, inputWidth: number, p: Placement, window: UnitImage['window']): UnitImage {
  const out = new Uint16Array(p.width * p.height);
  for (let y = 0; y < p.height; y++) {
    const row = (y + p.offsetY) * inputWidth + p.offsetX;
    for (let x = 0; x < p.width; x++) {
      const v = data[row + x] as number;
      out[y * p.width + x] = v <= 0 ? 0 : v >= 1 ? UNIT : (v * UNIT + 0.5) | 0;
    }
  }
  return { width: p.width, height: p.height, data: out, window };
}

/** A size × size copy (aspect not kept; the measures are relative positions) on sharp's grey16 path. */
export async function downsample(img: UnitImage, size: number): Promise<UnitImage> {
  if (img.width <= size && img.height <= size) return img;
  const out = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .pipelineColourspace('grey16')
    .resize(size, size, { fit: 'fill', kernel: 'linear' })
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer();
  return { width: size, height: size, data: new Uint16Array(out.buffer, out.byteOffset, size * size), window: img.window };
}

/** A small square thumbnail (box-averaged, values in [0, 1]) of a unit image: cheap to test against. */
export function thumbnail(img: UnitImage, size = 64): Float32Array {
  const sums = new Float64Array(size * size);
  const counts = new Float64Array(size * size);
  const tileX = new Int32Array(img.width);
  for (let x = 0; x < img.width; x++) tileX[x] = Math.min(size - 1, Math.floor((x * size) / img.width));
  for (let y = 0; y < img.height; y++) {
    const base = Math.min(size - 1, Math.floor((y * size) / img.height)) * size;
    const row = y * img.width;
    for (let x = 0; x < img.width; x++) {
      const t = base + (tileX[x] as number);
      sums[t] = (sums[t] as number) + (img.data[row + x] as number);
      counts[t] = (counts[t] as number) + 1;
    }
  }
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) out[i] = (sums[i] as number) / Math.max(1, counts[i] as number) / UNIT;
  return out;
}

function boxMean(t: Float32Array, size: number, x0: number, x1: number, y0: number, y1: number): number {
  let s = 0;
  let n = 0;
  for (let y = Math.floor(y0 * size); y < Math.ceil(y1 * size); y++)
    for (let x = Math.floor(x0 * size); x < Math.ceil(x1 * size); x++) {
      s += t[y * size + x] ?? 0;
      n++;
    }
  return n ? s / n : 0;
}

function correlation(a: Float32Array, b: Float32Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i] ?? 0;
    mb += b[i] ?? 0;
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = (a[i] ?? 0) - ma;
    const db = (b[i] ?? 0) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

function lungContrast(t: Float32Array, size: number): number {
  const mediastinum = boxMean(t, size, 0.45, 0.55, 0.3, 0.6);
  const lungs = (boxMean(t, size, 0.2, 0.35, 0.3, 0.6) + boxMean(t, size, 0.65, 0.8, 0.3, 0.6)) / 2;
  return mediastinum - lungs;
}

/** The pixel measures the quality gate decides on. */
export interface PixelMeasures {
  /** Standard deviation of the [0, 1] image. */
  std: number;
  /** Fraction of pixels at full white (≥ 0.98) and at full black (≤ 0.02). */
  whiteFraction: number;
  blackFraction: number;
  /**
   * Mediastinum minus lung fields: the central vertical strip against two para-central boxes at
   * lung height. Positive on a chest X-ray shown bright-is-dense; negative when inverted.
   */
  lungContrast: number;
  /** Centre minus border brightness (secondary inversion cue). */
  centreMinusBorder: number;
  /** lungContrast of the image turned by 90° either way (the larger): high when the chest lies sideways. */
  turnedLungContrast: number;
  /**
   * Left-right mirror correlation minus top-bottom mirror correlation: an upright chest is
   * nearly left-right symmetric; a chest turned by 90° is top-bottom symmetric instead.
   */
  uprightSymmetry: number;
}

export function pixelMeasures(img: UnitImage): PixelMeasures {
  const size = 64;
  const t = thumbnail(img, size);
  let s = 0;
  let s2 = 0;
  let white = 0;
  let black = 0;
  const whiteFrom = 0.98 * UNIT;
  const blackTo = 0.02 * UNIT;
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    s += v;
    s2 += v * v;
    if (v >= whiteFrom) white++;
    if (v <= blackTo) black++;
  }
  const n = Math.max(1, d.length);
  const mean = s / n / UNIT;
  const lr = new Float32Array(t.length);
  const tb = new Float32Array(t.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      lr[y * size + x] = t[y * size + (size - 1 - x)] ?? 0;
      tb[y * size + x] = t[(size - 1 - y) * size + x] ?? 0;
    }
  const cw = new Float32Array(t.length);
  const ccw = new Float32Array(t.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      cw[x * size + (size - 1 - y)] = t[y * size + x] ?? 0;
      ccw[(size - 1 - x) * size + y] = t[y * size + x] ?? 0;
    }
  const centre = boxMean(t, size, 0.25, 0.75, 0.25, 0.75);
  const border =
    (boxMean(t, size, 0, 1, 0, 0.08) +
      boxMean(t, size, 0, 1, 0.92, 1) +
      boxMean(t, size, 0, 0.08, 0, 1) +
      boxMean(t, size, 0.92, 1, 0, 1)) /
    4;
  return {
    std: Math.sqrt(Math.max(0, s2 / n / (UNIT * UNIT) - mean * mean)),
    whiteFraction: white / n,
    blackFraction: black / n,
    lungContrast: lungContrast(t, size),
    turnedLungContrast: Math.max(lungContrast(cw, size), lungContrast(ccw, size)),
    centreMinusBorder: centre - border,
    uprightSymmetry: correlation(t, lr) - correlation(t, tb),
  };
}
