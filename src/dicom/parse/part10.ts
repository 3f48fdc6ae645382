import { inflateRawSync } from 'node:zlib';
import { DicomRejectError } from './reject.ts';
import { implicitSequenceTag } from './sequence-tags.ts';

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

/** Bounds on what one data set may hold; beyond them it is quarantined, never parsed further. */
export interface ParseLimits {
  /** Deepest sequence nesting (a top-level sequence is depth 1). */
  maxNestingDepth: number;
  /** Data elements over all nesting levels. */
  maxElements: number;
  /** Bytes a deflated data set may inflate to. */
  maxInflatedBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxNestingDepth: 32, maxElements: 200_000, maxInflatedBytes: 1024 * 1024 * 1024 };

/** An element header: tag, VR when explicit, declared length, and where its value starts. */
interface Header {
  tag: number;
  vr: string | null;
  length: number;
  start: number;
}

function readHeader(c: Cursor, tag: number): Header {
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
  return { tag, vr, length, start: c.pos };
}

/** Skips a defined-length value, checking it fits. */
function skipValue(c: Cursor, h: Header, end: number): void {
  if (h.start + h.length > c.buf.byteLength) {
    // A cut file ends inside its last, largest element (pixel data); an overflow anywhere else
    // means the element lengths before it do not add up.
    const reason = h.tag >= PIXEL_DATA ? 'truncated' : 'wrong-length';
    throw new DicomRejectError(reason, `element (${hex(h.tag)}) declares ${h.length} bytes but only ${c.buf.byteLength - h.start} remain`);
  }
  if (h.start + h.length > end) throw new DicomRejectError('wrong-length', `element (${hex(h.tag)}) runs past the end of its item`);
  c.pos = h.start + h.length;
}

/** A data set being walked: the top level, or one item of a sequence. */
interface DatasetFrame {
  kind: 'dataset';
  /** Absolute end for a defined-length item; null for an undefined-length item (ends at its delimiter). */
  end: number | null;
  last: number;
}

/** A sequence (or encapsulated pixel data) being walked item by item. */
interface SequenceFrame {
  kind: 'sequence';
  header: Header;
  end: number | null;
  encapsulated: boolean;
  topLevel: boolean;
}

type Frame = DatasetFrame | SequenceFrame;

/** Whether a defined-length element holds a sequence that must be walked. */
function isSequence(h: Header, implicitSq: (tag: number) => boolean): boolean {
  if (h.vr !== null) return h.vr === 'SQ';
  return implicitSq(h.tag);
}

/**
 * Walks a data set, every nested sequence and item included, without recursion: an explicit stack
 * bounded by `limits.maxNestingDepth`, and at most `limits.maxElements` elements. Collects the
 * top-level elements into `out`. PS3.5 7.1 (elements), 7.5 (sequences and items), A.4 (fragments).
 */
function walk(c: Cursor, limits: ParseLimits, out: Map<number, RawElement>, implicitSq: (tag: number) => boolean): void {
  const stack: Frame[] = [{ kind: 'dataset', end: c.buf.byteLength, last: -1 }];
  let depth = 0;
  let elements = 0;
  const closeSequence = (f: SequenceFrame): void => {
    depth--;
    if (f.topLevel)
      out.set(f.header.tag, { vr: f.header.vr, value: c.buf.subarray(f.header.start, c.pos), undefinedLength: f.end === null });
  };
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.kind === 'dataset') {
      if (top.end !== null && c.pos >= top.end) {
        if (c.pos !== top.end)
          throw new DicomRejectError('wrong-length', `an element runs past the end of its item by ${c.pos - top.end} bytes`);
        stack.pop();
        continue;
      }
      const tag = readTag(c);
      if (tag === ITEM_END && stack.length > 1) {
        need(c, 4, 'an item delimiter');
        c.pos += 4;
        stack.pop();
        continue;
      }
      if (tag <= top.last)
        throw new DicomRejectError(
          'wrong-length',
          `element (${hex(tag)}) out of order after (${hex(top.last)}) (element lengths do not add up)`,
        );
      top.last = tag;
      if (++elements > limits.maxElements) throw new DicomRejectError('too-many-elements', `more than ${limits.maxElements} data elements`);
      const h = readHeader(c, tag);
      const topLevel = stack.length === 1;
      const undefinedLength = h.length === UNDEFINED;
      const encapsulated = tag === PIXEL_DATA && undefinedLength;
      if (undefinedLength && h.vr !== null && h.vr !== 'SQ' && h.vr !== 'UN' && !encapsulated) {
        throw new DicomRejectError('wrong-length', `element (${hex(tag)}) with VR ${h.vr} has an undefined length`);
      }
      if (undefinedLength || isSequence(h, implicitSq)) {
        if (!undefinedLength && h.start + h.length > c.buf.byteLength) skipValue(c, h, c.buf.byteLength);
        if (++depth > limits.maxNestingDepth)
          throw new DicomRejectError('too-deep', `sequences nested deeper than ${limits.maxNestingDepth} levels`);
        stack.push({ kind: 'sequence', header: h, end: undefinedLength ? null : h.start + h.length, encapsulated, topLevel });
        continue;
      }
      skipValue(c, h, top.end ?? c.buf.byteLength);
      if (topLevel) out.set(tag, { vr: h.vr, value: c.buf.subarray(h.start, c.pos), undefinedLength: false });
      continue;
    }
    if (top.end !== null && c.pos >= top.end) {
      if (c.pos !== top.end) throw new DicomRejectError('wrong-length', `an item runs past the end of sequence (${hex(top.header.tag)})`);
      stack.pop();
      closeSequence(top);
      continue;
    }
    const itemTag = readTag(c);
    need(c, 4, 'an item length');
    const len = c.view.getUint32(c.pos, c.le);
    c.pos += 4;
    if (itemTag === SEQ_END) {
      if (top.end !== null) throw new DicomRejectError('wrong-length', `sequence delimiter inside defined-length (${hex(top.header.tag)})`);
      stack.pop();
      closeSequence(top);
      continue;
    }
    if (itemTag !== ITEM)
      throw new DicomRejectError('wrong-length', `expected an item in (${hex(top.header.tag)}), found (${hex(itemTag)})`);
    if (++elements > limits.maxElements) throw new DicomRejectError('too-many-elements', `more than ${limits.maxElements} data elements`);
    if (len === UNDEFINED) {
      if (top.encapsulated) throw new DicomRejectError('wrong-length', 'pixel data fragment with undefined length');
      stack.push({ kind: 'dataset', end: null, last: -1 });
      continue;
    }
    if (c.pos + len > c.buf.byteLength)
      throw new DicomRejectError('truncated', `item in (${hex(top.header.tag)}) runs past the end of the file`);
    if (top.end !== null && c.pos + len > top.end)
      throw new DicomRejectError('wrong-length', `item in (${hex(top.header.tag)}) runs past the end of its sequence`);
    if (top.encapsulated) c.pos += len;
    else stack.push({ kind: 'dataset', end: c.pos + len, last: -1 });
  }
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
export function readPart10Structure(bytes: Uint8Array, limits: ParseLimits = DEFAULT_LIMITS): Part10 {
  if (bytes.byteLength < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') {
    if (looksLikeDataset(bytes)) throw new DicomRejectError('missing-preamble', 'no 128-byte preamble and "DICM" prefix (PS3.10 7.1)');
    throw new DicomRejectError('not-dicom', 'not a DICOM Part-10 file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metaCursor: Cursor = { buf: bytes, view, pos: 132, explicit: true, le: true };
  const meta = new Map<number, RawElement>();
  while (metaCursor.pos + 2 <= bytes.byteLength && view.getUint16(metaCursor.pos, true) === 0x0002) {
    const tag = readTag(metaCursor);
    const h = readHeader(metaCursor, tag);
    if (h.length === UNDEFINED) throw new DicomRejectError('wrong-length', `file meta element (${hex(tag)}) has an undefined length`);
    skipValue(metaCursor, h, bytes.byteLength);
    meta.set(tag, { vr: h.vr, value: bytes.subarray(h.start, metaCursor.pos), undefinedLength: false });
    if (meta.size > 64) throw new DicomRejectError('too-many-elements', 'file meta information holds too many elements');
  }
  const tsEl = meta.get(0x00020010);
  if (!tsEl) throw new DicomRejectError('not-dicom', 'file meta information has no TransferSyntaxUID');
  const transferSyntaxUid = Buffer.from(tsEl.value)
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
  let body = bytes.subarray(metaCursor.pos);
  if (transferSyntaxUid === DEFLATED) {
    try {
      body = inflateRawSync(body, { maxOutputLength: limits.maxInflatedBytes });
    } catch (e) {
      if (e instanceof RangeError)
        throw new DicomRejectError('too-large', `deflated data set inflates past ${limits.maxInflatedBytes} bytes`);
      throw new DicomRejectError('truncated', 'deflated data set does not inflate');
    }
  }
  const le = transferSyntaxUid !== EXPLICIT_BE;
  const c: Cursor = {
    buf: body,
    view: new DataView(body.buffer, body.byteOffset, body.byteLength),
    pos: 0,
    explicit: transferSyntaxUid !== IMPLICIT_LE,
    le,
  };
  const elements = new Map<number, RawElement>();
  walk(c, limits, elements, c.explicit ? () => false : implicitSequenceTag);
  return { transferSyntaxUid, meta, elements, littleEndian: le };
}
