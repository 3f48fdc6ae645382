import { DicomRejectError } from './reject.ts';
import type { RawElement } from './part10.ts';

/** Transfer syntaxes of PS3.6 Table A-1 that are not retired; anything else is refused at ingest. */
export const STANDARD_SYNTAXES: ReadonlySet<string> = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.98',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
  ...['50', '51', '57', '70', '80', '81', '90', '91', '92', '93', '94', '95'].map((n) => `1.2.840.10008.1.2.4.${n}`),
  ...['100', '101', '102', '103', '104', '105', '106', '107', '108', '110', '111', '112', '201', '202', '203', '204'].map(
    (n) => `1.2.840.10008.1.2.4.${n}`,
  ),
  '1.2.840.10008.1.2.5',
]);

const NATIVE = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);
const JPEG = new Set(['50', '51', '57', '70', '80', '81'].map((n) => `1.2.840.10008.1.2.4.${n}`));
const J2K = new Set(['90', '91', '92', '93', '201', '202', '203'].map((n) => `1.2.840.10008.1.2.4.${n}`));
const RLE = '1.2.840.10008.1.2.5';

/** The first non-empty fragment of encapsulated pixel data (PS3.5 A.4), after the offset table. */
function firstFragment(value: Uint8Array, le: boolean): Uint8Array | null {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  let pos = 0;
  let item = 0;
  while (pos + 8 <= value.byteLength) {
    const group = view.getUint16(pos, le);
    const elem = view.getUint16(pos + 2, le);
    const len = view.getUint32(pos + 4, le);
    pos += 8;
    if (group !== 0xfffe || elem !== 0xe000) return null;
    if (item++ > 0 && len > 0) return value.subarray(pos, pos + len);
    pos += len;
  }
  return null;
}

/**
 * Checks that the pixel data is encoded the way the transfer syntax says (PS3.5 8.2, A.4): native
 * syntaxes carry a defined-length value; encapsulated ones carry fragments that start the way their
 * codec's stream must (JPEG SOI, a JPEG 2000 codestream or JP2 box, an RLE header of 1-15
 * segments). A mismatch is refused at ingest instead of failing later in WADO or analysis.
 */
export function checkPixelEncoding(ts: string, pixelData: RawElement | undefined, littleEndian: boolean): void {
  if (!STANDARD_SYNTAXES.has(ts))
    throw new DicomRejectError('unsupported-syntax', `transfer syntax ${ts} is not a DICOM transfer syntax readfirst accepts`);
  if (!pixelData) return;
  if (NATIVE.has(ts)) {
    if (pixelData.undefinedLength)
      throw new DicomRejectError('pixel-mismatch', `transfer syntax ${ts} is native but the pixel data is encapsulated`);
    return;
  }
  if (!pixelData.undefinedLength)
    throw new DicomRejectError('pixel-mismatch', `transfer syntax ${ts} is encapsulated but the pixel data is not`);
  const frag = firstFragment(pixelData.value, littleEndian);
  if (!frag) throw new DicomRejectError('pixel-mismatch', 'encapsulated pixel data holds no fragment');
  const b = (i: number): number => frag[i] ?? -1;
  if (JPEG.has(ts) && !(b(0) === 0xff && b(1) === 0xd8))
    throw new DicomRejectError('pixel-mismatch', `transfer syntax ${ts} is JPEG but the first fragment is not a JPEG stream`);
  if (J2K.has(ts) && !((b(0) === 0xff && b(1) === 0x4f) || (b(4) === 0x6a && b(5) === 0x50 && b(6) === 0x20))) {
    throw new DicomRejectError('pixel-mismatch', `transfer syntax ${ts} is JPEG 2000 but the first fragment is not a JPEG 2000 codestream`);
  }
  if (ts === RLE) {
    const segments = frag.byteLength >= 64 ? new DataView(frag.buffer, frag.byteOffset, 4).getUint32(0, true) : 0;
    if (segments < 1 || segments > 15) throw new DicomRejectError('pixel-mismatch', 'RLE pixel data does not start with an RLE header');
  }
}
