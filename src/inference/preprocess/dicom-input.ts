import { ReadfirstError, isReadfirstError } from '../../core/errors.ts';
import { canDecode } from '../../dicom/pixels/codecs.ts';
import { decodeFrame } from '../../dicom/pixels/decode.ts';
import type { InputSpec } from '../models/model-card.ts';
import type { ImageMeta } from './image-meta.ts';
import { toUnitImage, type UnitImage } from './window.ts';

/** Names of the transfer syntaxes a refusal may mention (PS3.6 Annex A). */
const SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
};

/** Refusal for a transfer syntax no maintained codec here decodes. */
export function unsupportedSyntax(uid: string): ReadfirstError {
  const name = SYNTAX_NAMES[uid];
  return new ReadfirstError('not-analysable', `unsupported transfer syntax ${uid}${name ? ` (${name})` : ''}`, {
    reason: 'unsupported-transfer-syntax',
    transferSyntaxUid: uid,
  });
}

/**
 * DICOM pixel data → [0, 1] image on the original grid: decode (native, JPEG baseline/extended/
 * lossless, JPEG-LS, JPEG 2000, RLE; dicom/pixels decodeFrame), Modality LUT (rescale),
 * then the VOI LUT / window / percentile and MONOCHROME1 inversion (window.ts).
 */
export async function dicomToUnitImage(
  bytes: Uint8Array,
  meta: ImageMeta,
  mode: InputSpec['window'],
  bounds?: InputSpec['percentiles'],
): Promise<UnitImage> {
  const ts = meta.transferSyntaxUid ?? '1.2.840.10008.1.2';
  if (!canDecode(ts)) throw unsupportedSyntax(ts);
  try {
    return toUnitImage(await decodeFrame(bytes), meta.voiLut, mode, bounds);
  } catch (e) {
    if (isReadfirstError(e) && e.code === 'unsupported' && /transfer syntax/.test(e.message)) throw unsupportedSyntax(ts);
    if (isReadfirstError(e) && (e.code === 'unsupported' || e.code === 'not-found'))
      throw new ReadfirstError('not-analysable', e.message, { reason: 'unsupported-image' }, { cause: e });
    throw e;
  }
}
