import { ReadfirstError } from '../../core/errors.ts';
import { type DcmjsDict, DcmjsDicomDict, dictNumber, dictString, readPart10 } from '../parse/dcmjs.ts';
import { NATIVE_SYNTAXES, canDecode, decodeEncapsulated } from '../pixels/codecs.ts';
import { type FrameGeometry, frameBytes } from '../pixels/frame-bytes.ts';

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';

/** Syntaxes readfirst can transcode to: the uncompressed little-endian ones (it has decoders, no encoders). */
export const TRANSCODE_TARGETS: ReadonlySet<string> = new Set([EXPLICIT_LE, IMPLICIT_LE]);

/** Can an instance stored as `stored` be sent as `target`? */
export function canProvide(stored: string, target: string): boolean {
  if (target === stored) return true;
  return TRANSCODE_TARGETS.has(target) && canDecode(stored) && stored !== '1.2.840.10008.1.2.2' && stored !== '1.2.840.10008.1.2.1.99';
}

interface PixelLayout extends FrameGeometry {
  bitsStored: number;
  pixelRepresentation: number;
  photometricInterpretation: string;
}

function layoutOf(dict: DcmjsDict): PixelLayout {
  const bitsAllocated = dictNumber(dict, '00280100') ?? 16;
  return {
    rows: dictNumber(dict, '00280010') ?? 0,
    columns: dictNumber(dict, '00280011') ?? 0,
    samplesPerPixel: dictNumber(dict, '00280002') ?? 1,
    bitsAllocated,
    bitsStored: dictNumber(dict, '00280101') ?? bitsAllocated,
    pixelRepresentation: dictNumber(dict, '00280103') ?? 0,
    numberOfFrames: dictNumber(dict, '00280008') ?? 1,
    photometricInterpretation: dictString(dict, '00280004') ?? 'MONOCHROME2',
  };
}

/** One frame (0-based) as stored: native pixels or one compressed codestream. */
export function storedFrame(dict: DcmjsDict, stored: string, frameIndex: number): Uint8Array {
  return frameBytes(dict, stored, layoutOf(dict), frameIndex);
}

/** One frame (0-based) as uncompressed little-endian bytes, decoding it when stored compressed. */
export async function nativeFrame(dict: DcmjsDict, stored: string, frameIndex: number): Promise<Uint8Array> {
  const layout = layoutOf(dict);
  const bytes = frameBytes(dict, stored, layout, frameIndex);
  if (NATIVE_SYNTAXES.has(stored)) return bytes;
  return decodeEncapsulated(stored, bytes, layout);
}

/**
 * Re-encodes a Part-10 instance in an uncompressed little-endian syntax (PS3.18 8.7.3.5: the
 * origin server may transcode to honour the requested transfer syntax). Compressed pixel data
 * is decoded frame by frame; colour decoded from JPEG stays YCbCr, now full (YBR_FULL), and
 * interleaved. Lossy Image Compression (0028,2110) stays "01": the pixels remember their past.
 */
export async function transcodeToNative(bytes: Uint8Array, stored: string, target: string): Promise<Uint8Array> {
  if (!TRANSCODE_TARGETS.has(target)) throw new ReadfirstError('not-acceptable', `transcoding to ${target} is not supported`);
  const parsed = readPart10(bytes);
  const dict = parsed.dict;
  if (dict['7FE00010'] && !NATIVE_SYNTAXES.has(stored)) {
    const layout = layoutOf(dict);
    const frames: Uint8Array[] = [];
    for (let f = 0; f < layout.numberOfFrames; f++) frames.push(await nativeFrame(dict, stored, f));
    const total = frames.reduce((n, f) => n + f.byteLength, 0);
    const joined = new Uint8Array(total + (total % 2));
    let at = 0;
    for (const f of frames) {
      joined.set(f, at);
      at += f.byteLength;
    }
    dict['7FE00010'] = { vr: layout.bitsAllocated > 8 ? 'OW' : 'OB', Value: [joined.buffer] };
    if (layout.photometricInterpretation === 'YBR_FULL_422') dict['00280004'] = { vr: 'CS', Value: ['YBR_FULL'] };
    if (layout.samplesPerPixel > 1) dict['00280006'] = { vr: 'US', Value: [0] };
  }
  const meta: DcmjsDict = { ...parsed.meta, '00020010': { vr: 'UI', Value: [target] } };
  const out = new DcmjsDicomDict(meta);
  out.dict = dict;
  return new Uint8Array(out.write());
}
