import type { DcmjsDict } from '../parse/dcmjs.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { NATIVE_SYNTAXES } from './codecs.ts';

function concat(parts: readonly ArrayBuffer[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
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
 * codestream (PS3.5 A.4). dcmjs gives one buffer per frame when the basic offset table is
 * filled and one per fragment when it is empty; fragments of a single frame are joined.
 */
export function frameBytes(dict: DcmjsDict, transferSyntaxUid: string, g: FrameGeometry, frameIndex: number): Uint8Array {
  const values = (dict['7FE00010']?.Value ?? []) as ArrayBuffer[];
  if (values.length === 0) throw new ReadfirstError('not-found', 'instance has no pixel data');
  if (frameIndex < 0 || frameIndex >= g.numberOfFrames) throw new ReadfirstError('not-found', `frame ${frameIndex + 1} does not exist`);
  if (NATIVE_SYNTAXES.has(transferSyntaxUid)) {
    const all = concat(values);
    const size = (g.rows * g.columns * g.samplesPerPixel * g.bitsAllocated) / 8;
    const start = frameIndex * size;
    if (start + size > all.byteLength) throw new ReadfirstError('not-analysable', 'pixel data is shorter than its frames');
    return all.subarray(start, start + size);
  }
  if (g.numberOfFrames === 1) return values.length === 1 && values[0] ? new Uint8Array(values[0]) : concat(values);
  const frame = values.length === g.numberOfFrames ? values[frameIndex] : undefined;
  if (!frame) throw new ReadfirstError('unsupported', 'multi-frame pixel data without a basic offset table');
  return new Uint8Array(frame);
}
