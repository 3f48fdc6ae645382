import sharp from 'sharp';

export interface PixelStats {
  width: number;
  height: number;
  mean: number;
  std: number;
  /** Fraction of pixels brighter than 8/255. */
  lit: number;
}

async function grey(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Grey-level statistics of a screenshot: a blank canvas has std ≈ 0 and lit ≈ 0. */
export async function stats(png: Buffer): Promise<PixelStats> {
  const { data, width, height } = await grey(png);
  let sum = 0;
  let sq = 0;
  let lit = 0;
  for (const v of data) {
    sum += v;
    sq += v * v;
    if (v > 8) lit++;
  }
  const n = data.length;
  const mean = sum / n;
  return { width, height, mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)), lit: lit / n };
}

/** Mean absolute difference of two same-size screenshots, per channel, 0-255. */
export async function difference(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
  const n = Math.min(x.length, y.length);
  let d = 0;
  for (let i = 0; i < n; i++) d += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return d / n;
}
