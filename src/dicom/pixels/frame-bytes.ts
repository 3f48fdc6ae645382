import type { DcmjsDict } from '../parse/dcmjs.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { NATIVE_SYNTAXES } from './codecs.ts';

/** What dcmjs puts in a Pixel Data value: a buffer or view, or (frame of several fragments) an array of them. */
type PixelPart = ArrayBuffer | ArrayBufferView | readonly PixelPart[];

/** The bytes of one part as a view (no copy), or its fragments joined in order (PS3.5 A.4). */
function partBytes(part: PixelPart): Uint8Array {
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  return join(part);
}

function join(parts: readonly PixelPart[]): Uint8Array {
  const views = parts.map(partBytes);
  if (views.length === 1 && views[0]) return views[0];
  const out = new Uint8Array(views.reduce((n, v) => n + v.byteLength, 0));
  let at = 0;
  for (const v of views) {
    out.set(v, at);
    at += v.byteLength;
  }
  return out;
}

export interface FrameGeometry {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  numberOfFrames: number;
}

/**
 * The stored bytes of one frame (0-based), as in the file: native pixels, or one compressed
 * codestream (PS3.5 A.4). dcmjs 0.51 gives, with a filled basic offset table, one value per
 * frame, itself an array of fragments when the frame spans several; with an empty table, one
 * value per fragment. Fragments of a frame are joined: a single-frame image takes them all.
 * Multi-frame data without an offset table is read only when it holds one fragment per frame.
 */
export function frameBytes(dict: DcmjsDict, transferSyntaxUid: string, g: FrameGeometry, frameIndex: number): Uint8Array {
  const values = (dict['7FE00010']?.Value ?? []) as PixelPart[];
  if (values.length === 0) throw new ReadfirstError('not-found', 'instance has no pixel data');
  if (frameIndex < 0 || frameIndex >= g.numberOfFrames) throw new ReadfirstError('not-found', `frame ${frameIndex + 1} does not exist`);
  if (NATIVE_SYNTAXES.has(transferSyntaxUid)) {
    const all = join(values);
    const size = (g.rows * g.columns * g.samplesPerPixel * g.bitsAllocated) / 8;
    const start = frameIndex * size;
    if (start + size > all.byteLength) throw new ReadfirstError('not-analysable', 'pixel data is shorter than its frames');
    return all.subarray(start, start + size);
  }
  if (g.numberOfFrames === 1) return join(values);
  const frame = values.length === g.numberOfFrames ? values[frameIndex] : undefined;
  if (!frame) throw new ReadfirstError('unsupported', 'multi-frame pixel data without a basic offset table');
  return partBytes(frame);
}
