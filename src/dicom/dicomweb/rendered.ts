import sharp from 'sharp';
import { decodeFrame } from '../pixels/decode.ts';
import { toDisplay8 } from '../pixels/voi.ts';

/** Renders one frame (0-based) to an 8-bit grey PNG with the file's VOI window (PS3.18 8.3.5.1 rendered resources). */
export async function renderFramePng(bytes: Uint8Array, frameIndex: number, window?: { center: number; width: number }): Promise<Buffer> {
  const frame = await decodeFrame(bytes, frameIndex);
  const grey = toDisplay8(frame, window);
  return sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), { raw: { width: frame.columns, height: frame.rows, channels: 1 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
