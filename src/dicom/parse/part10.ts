import { inflateRawSync } from 'node:zlib';
import { DicomRejectError } from './reject.ts';

/** Explicit VRs with a 4-byte length field (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const DEFLATED = '1.2.840.10008.1.2.1.99';

/** A top-level element: its VR (when explicit) and value bytes. */
export interface RawElement {
  vr: string | null;
  value: Uint8Array;
  undefinedLength: boolean;
}

/** A structurally valid Part-10 file: its meta header values and the top-level elements. */
export interface Part10 {
  transferSyntaxUid: string;
  meta: Map<number, RawElement>;
  elements: Map<number, RawElement>;
  littleEndian: boolean;
}

interface Cursor {
  buf: Uint8Array;
  view: DataView;
  pos: number;
  explicit: boolean;
  le: boolean;
}

function need(c: Cursor, n: number, what: string): void {
  if (c.pos + n > c.buf.byteLength) throw new DicomRejectError('truncated', `file ends inside ${what} at byte ${c.pos}`);
}

function readTag(c: Cursor): number {
  need(c, 4, 'a tag');
  const g = c.view.getUint16(c.pos, c.le);
  const e = c.view.getUint16(c.pos + 2, c.le);
  c.pos += 4;
  return ((g << 16) | e) >>> 0;
}

function hex(tag: number): string {
  return tag.toString(16).padStart(8, '0').toUpperCase();
}

/** Reads one element header and skips or collects its value; nested sequences are walked to check lengths. */
function readElement(c: Cursor, tag: number): RawElement {
  let vr: string | null = null;
  let length: number;
  if (c.explicit && tag >>> 16 !== 0xfffe) {
    need(c, 2, 'a VR');
    vr = String.fromCharCode(c.buf[c.pos] ?? 0, c.buf[c.pos + 1] ?? 0);
    if (!/^[A-Z]{2}$/.test(vr)) throw new DicomRejectError('wrong-length', `invalid VR at byte ${c.pos} (element lengths do not add up)`);
    c.pos += 2;
    if (LONG_VRS.has(vr)) {
      need(c, 6, 'a length');
      length = c.view.getUint32(c.pos + 2, c.le);
      c.pos += 6;
    } else {
      need(c, 2, 'a length');
      length = c.view.getUint16(c.pos, c.le);
      c.pos += 2;
    }
  } else {
    need(c, 4, 'a length');
    length = c.view.getUint32(c.pos, c.le);
    c.pos += 4;
  }
  const start = c.pos;
  if (length === UNDEFINED) {
    walkUndefined(c, tag, vr);
    return { vr, value: c.buf.subarray(start, c.pos), undefinedLength: true };
  }
  if (c.pos + length > c.buf.byteLength) {
    // A cut file ends inside its last, largest element (pixel data); an overflow anywhere else
    // means the element lengths before it do not add up.
    const reason = tag >= PIXEL_DATA ? 'truncated' : 'wrong-length';
    throw new DicomRejectError(reason, `element (${hex(tag)}) declares ${length} bytes but only ${c.buf.byteLength - c.pos} remain`);
  }
  c.pos += length;
  return { vr, value: c.buf.subarray(start, start + length), undefinedLength: false };
}

/** Walks an undefined-length sequence or encapsulated pixel data up to its delimiter. */
function walkUndefined(c: Cursor, tag: number, vr: string | null): void {
  const encapsulated = tag === PIXEL_DATA;
  if (vr !== null && vr !== 'SQ' && vr !== 'UN' && !encapsulated) {
    throw new DicomRejectError('wrong-length', `element (${hex(tag)}) with VR ${vr} has an undefined length`);
  }
  for (;;) {
    const itemTag = readTag(c);
    need(c, 4, 'an item length');
    const len = c.view.getUint32(c.pos, c.le);
    c.pos += 4;
    if (itemTag === SEQ_END) return;
    if (itemTag !== ITEM) throw new DicomRejectError('wrong-length', `expected an item in (${hex(tag)}), found (${hex(itemTag)})`);
    if (len !== UNDEFINED) {
      if (c.pos + len > c.buf.byteLength) throw new DicomRejectError('truncated', `item in (${hex(tag)}) runs past the end of the file`);
      if (!encapsulated) walkDataset(c, c.pos + len, true);
      c.pos += encapsulated ? len : 0;
      continue;
    }
    if (encapsulated) throw new DicomRejectError('wrong-length', 'pixel data fragment with undefined length');
    walkDataset(c, c.buf.byteLength, true);
  }
}

/** Walks elements until `end` (or an item delimiter inside an undefined-length item). */
function walkDataset(c: Cursor, end: number, nested: boolean, out?: Map<number, RawElement>): void {
  let last = -1;
  while (c.pos < end) {
    const tag = readTag(c);
    if (tag === ITEM_END && nested) {
      need(c, 4, 'an item delimiter');
      c.pos += 4;
      return;
    }
    if (tag <= last) throw new DicomRejectError('wrong-length', `element (${hex(tag)}) out of order after (${hex(last)}) (element lengths do not add up)`);
    last = tag;
    const el = readElement(c, tag);
    out?.set(tag, el);
  }
  if (c.pos !== end) throw new DicomRejectError('wrong-length', `an element runs past the end of its item by ${c.pos - end} bytes`);
}

function looksLikeDataset(b: Uint8Array): boolean {
  if (b.byteLength < 8) return false;
  const group = (b[0] ?? 0) | ((b[1] ?? 0) << 8);
  return group === 0x0002 || group === 0x0008;
}

/**
 * Checks a Part-10 file's structure (PS3.10 7.1: preamble, "DICM", meta group; PS3.5 7: element
 * lengths, nested items, encapsulated fragments) and collects its top-level elements without
 * copying. Throws DicomRejectError naming the fault; dcmjs alone accepts truncated files.
 */
export function readPart10Structure(bytes: Uint8Array): Part10 {
  if (bytes.byteLength < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') {
    if (looksLikeDataset(bytes)) throw new DicomRejectError('missing-preamble', 'no 128-byte preamble and "DICM" prefix (PS3.10 7.1)');
    throw new DicomRejectError('not-dicom', 'not a DICOM Part-10 file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metaCursor: Cursor = { buf: bytes, view, pos: 132, explicit: true, le: true };
  const meta = new Map<number, RawElement>();
  while (metaCursor.pos + 2 <= bytes.byteLength && view.getUint16(metaCursor.pos, true) === 0x0002) {
    const tag = readTag(metaCursor);
    meta.set(tag, readElement(metaCursor, tag));
  }
  const tsEl = meta.get(0x00020010);
  if (!tsEl) throw new DicomRejectError('not-dicom', 'file meta information has no TransferSyntaxUID');
  const transferSyntaxUid = Buffer.from(tsEl.value).toString('latin1').replace(/[\0 ]+$/, '');
  let body = bytes.subarray(metaCursor.pos);
  if (transferSyntaxUid === DEFLATED) {
    try {
      body = inflateRawSync(body);
    } catch {
      throw new DicomRejectError('truncated', 'deflated data set does not inflate');
    }
  }
  const le = transferSyntaxUid !== EXPLICIT_BE;
  const c: Cursor = { buf: body, view: new DataView(body.buffer, body.byteOffset, body.byteLength), pos: 0, explicit: transferSyntaxUid !== IMPLICIT_LE, le };
  const elements = new Map<number, RawElement>();
  walkDataset(c, body.byteLength, false, elements);
  return { transferSyntaxUid, meta, elements, littleEndian: le };
}
