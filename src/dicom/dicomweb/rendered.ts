import sharp from 'sharp';
import { decodeFrame } from '../pixels/decode.ts';
import { toDisplay8 } from '../pixels/voi.ts';

/**
 * Renders one frame (0-based) to an 8-bit grey JPEG or PNG with the file's VOI window, or the
 * one given (PS3.18 8.3.5.1 rendered resources, 10.4.1.1.3 `window`).
 */
export async function renderFrame(
  bytes: Uint8Array,
  frameIndex: number,
  format: 'jpeg' | 'png',
  window?: { center: number; width: number },
): Promise<Buffer> {
  const frame = await decodeFrame(bytes, frameIndex);
  const grey = toDisplay8(frame, window);
  const img = sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), {
    raw: { width: frame.columns, height: frame.rows, channels: 1 },
  });
  return format === 'jpeg' ? img.jpeg({ quality: 90 }).toBuffer() : img.png({ compressionLevel: 6 }).toBuffer();
}
