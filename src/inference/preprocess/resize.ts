import sharp from 'sharp';
import type { InputSpec } from '../models/model-card.ts';
import { UNIT, type UnitImage } from './window.ts';

/** Where the image landed in the model input: scale and offset, to map heat-maps back. */
export interface Placement {
  /** Input pixels per original pixel, x and y. */
  scaleX: number;
  scaleY: number;
  /** Top-left of the image inside the input, in input pixels. */
  offsetX: number;
  offsetY: number;
  /** Size of the image inside the input. */
  width: number;
  height: number;
}

/** The placement training uses: centred letterbox, `(size - n) // 2` offsets, or a stretch. */
export function placement(srcW: number, srcH: number, spec: Pick<InputSpec, 'width' | 'height' | 'resize'>): Placement {
  if (spec.resize === 'stretch') {
    return { scaleX: spec.width / srcW, scaleY: spec.height / srcH, offsetX: 0, offsetY: 0, width: spec.width, height: spec.height };
  }
  const s = Math.min(spec.width / srcW, spec.height / srcH);
  const width = Math.max(1, Math.round(srcW * s));
  const height = Math.max(1, Math.round(srcH * s));
  return {
    scaleX: width / srcW,
    scaleY: height / srcH,
    offsetX: Math.floor((spec.width - width) / 2),
    offsetY: Math.floor((spec.height - height) / 2),
    width,
    height,
  };
}

/**
 * Resizes a unit image into the model input grid as [0, 1] floats (letterbox pads with
 * 0 = black) on sharp's 16-bit grey pipeline: the Uint16Array in, grey16 throughout (STACK-NOTES: a Buffer would be read
 * as 8-bit, and without grey16 sharp converts to 8-bit sRGB).
 */
export async function resizeToInput(
  img: UnitImage,
  spec: Pick<InputSpec, 'width' | 'height' | 'resize'>,
): Promise<{ data: Float32Array; placement: Placement }> {
  const p = placement(img.width, img.height, spec);
  const resized = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .pipelineColourspace('grey16')
    .resize(p.width, p.height, { fit: 'fill', kernel: 'linear' })
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer();
  const px = new Uint16Array(resized.buffer, resized.byteOffset, resized.byteLength / 2);
  const out = new Float32Array(spec.width * spec.height);
  for (let y = 0; y < p.height; y++) {
    const row = (y + p.offsetY) * spec.width + p.offsetX;
    for (let x = 0; x < p.width; x++) out[row + x] = (px[y * p.width + x] as number) / UNIT;
  }
  return { data: out, placement: p };
}
