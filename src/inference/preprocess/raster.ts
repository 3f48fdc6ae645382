import sharp from 'sharp';
import { ReadfirstError } from '../../core/errors.ts';
import { PERCENTILE_WINDOW, percentileWindow, type UnitImage } from './window.ts';

/**
 * A PNG or JPEG (the evaluation sets, secondary captures) to a [0, 1] image: grey values
 * (16-bit PNGs kept at 16 bits), then the percentile window, exactly as training reads them.
 * A raster carries no VOI, so the card's DICOM window never applies here.
 */
export async function rasterToUnitImage(bytes: Uint8Array, bounds: readonly [number, number] = PERCENTILE_WINDOW): Promise<UnitImage> {
  let meta;
  try {
    meta = await sharp(bytes).metadata();
  } catch (e) {
    throw new ReadfirstError('not-analysable', 'not a readable PNG or JPEG image', undefined, { cause: e });
  }
  const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
  let pipeline = sharp(bytes).greyscale();
  if (sixteen) pipeline = pipeline.pipelineColourspace('grey16').toColourspace('grey16');
  const { data, info } = await pipeline
    .extractChannel(0)
    .raw(sixteen ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  const count = info.width * info.height;
  const values = new Float32Array(count);
  if (sixteen) {
    const px = new Uint16Array(data.buffer, data.byteOffset, count);
    for (let i = 0; i < count; i++) values[i] = px[i] ?? 0;
  } else {
    for (let i = 0; i < count; i++) values[i] = data[i] ?? 0;
  }
  const w = percentileWindow(values, bounds, { min: 0, max: sixteen ? 65535 : 255, integral: true });
  return { width: info.width, height: info.height, data: w.data, window: { kind: 'percentile', lo: w.lo, hi: w.hi } };
}

/** PNG or JPEG by signature. */
export function isRaster(bytes: Uint8Array): boolean {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  return png || jpeg;
}
