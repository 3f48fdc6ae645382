import { deflateRawSync } from 'node:zlib';
import { testUid } from './dicom-gen.ts';

/**
 * Hand-written hostile Part-10 files (PS3.10 7.1, PS3.5 7), for the ingest limits: deep sequences,
 * too many elements, unknown or mismatched transfer syntaxes, deflate bombs. Written byte by byte
 * because dcmjs refuses (or recursively overflows on) most of them.
 */
const LONG = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

function even(b: Buffer, pad = 0): Buffer {
  return b.length % 2 === 0 ? b : Buffer.concat([b, Buffer.from([pad])]);
}

/** One element, explicit or implicit VR little endian. */
export function element(tag: number, vr: string, value: Buffer, explicit = true): Buffer {
  const v = even(value, vr === 'UI' || vr === 'OB' ? 0 : 0x20);
  const b = Buffer.alloc(explicit && LONG.has(vr) ? 12 : 8);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  if (!explicit) b.writeUInt32LE(v.length, 4);
  else if (LONG.has(vr)) {
    b.write(vr, 4, 'latin1');
    b.writeUInt32LE(v.length, 8);
  } else {
    b.write(vr, 4, 'latin1');
    b.writeUInt16LE(v.length, 6);
  }
  return Buffer.concat([b, v]);
}

const ui = (tag: number, uid: string, explicit = true): Buffer => element(tag, 'UI', Buffer.from(uid, 'latin1'), explicit);

export interface Hostile {
  bytes: Buffer;
  studyUid: string;
  sopUid: string;
}

/** A Part-10 file: preamble, meta group for `ts`, then the given (already encoded) data set elements. */
export function part10(
  ts: string,
  body: (ids: { studyUid: string; seriesUid: string; sopUid: string; explicit: boolean }) => Buffer[],
  opts: { deflate?: boolean } = {},
): Hostile {
  const studyUid = testUid();
  const seriesUid = testUid();
  const sopUid = testUid();
  const sopClass = '1.2.840.10008.5.1.4.1.1.1.1';
  const explicit = ts !== '1.2.840.10008.1.2';
  const metaBody = Buffer.concat([
    element(0x00020001, 'OB', Buffer.from([0, 1])),
    ui(0x00020002, sopClass),
    ui(0x00020003, sopUid),
    ui(0x00020010, ts),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length);
  const meta = Buffer.concat([element(0x00020000, 'UL', groupLength), metaBody]);
  const ids = [
    ui(0x00080016, sopClass, explicit),
    ui(0x00080018, sopUid, explicit),
    element(0x00100020, 'LO', Buffer.from('HOSTILE'), explicit),
    ui(0x0020000d, studyUid, explicit),
    ui(0x0020000e, seriesUid, explicit),
  ];
  let dataset = Buffer.concat([...ids, ...body({ studyUid, seriesUid, sopUid, explicit })]);
  if (opts.deflate) dataset = deflateRawSync(dataset);
  return { bytes: Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), meta, dataset]), studyUid, sopUid };
}

/**
 * ContentSequence (0040,A730) nested `depth` levels deep with defined lengths, each level one item
 * holding the next sequence: 20 bytes a level, written front to back without recursion.
 */
export function deepSequence(depth: number, explicit = true): Buffer {
  const sqHead = explicit ? 12 : 8;
  const perLevel = sqHead + 8;
  const out = Buffer.alloc(perLevel * depth);
  let pos = 0;
  for (let d = 0; d < depth; d++) {
    const sqLen = 8 + perLevel * (depth - 1 - d);
    out.writeUInt16LE(0x0040, pos);
    out.writeUInt16LE(0xa730, pos + 2);
    if (explicit) {
      out.write('SQ', pos + 4, 'latin1');
      out.writeUInt32LE(sqLen, pos + 8);
    } else out.writeUInt32LE(sqLen, pos + 4);
    pos += sqHead;
    out.writeUInt16LE(0xfffe, pos);
    out.writeUInt16LE(0xe000, pos + 2);
    out.writeUInt32LE(sqLen - 8, pos + 4);
    pos += 8;
  }
  return out;
}

/** `n` short private elements (group 0009), sorted, after the identifying ones. */
export function manyElements(n: number): Buffer {
  const out = Buffer.alloc(n * 10);
  for (let i = 0; i < n; i++) {
    const at = i * 10;
    out.writeUInt16LE(0x0029, at);
    out.writeUInt16LE(0x1000 + (i % 0xefff), at + 2);
    out.write('SH', at + 4, 'latin1');
    out.writeUInt16LE(2, at + 6);
    out.write('AB', at + 8, 'latin1');
    if (i === 0xefff - 1) break;
  }
  return out.subarray(0, Math.min(n, 0xefff) * 10);
}

/** Image pixel module (64×64, 16-bit) with native pixel data. */
export function nativePixels(explicit = true): Buffer[] {
  const us = (tag: number, v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return element(tag, 'US', b, explicit);
  };
  return [
    us(0x00280002, 1),
    element(0x00280004, 'CS', Buffer.from('MONOCHROME2'), explicit),
    us(0x00280010, 64),
    us(0x00280011, 64),
    us(0x00280100, 16),
    us(0x00280101, 12),
    us(0x00280102, 11),
    us(0x00280103, 0),
    element(0x7fe00010, 'OW', Buffer.alloc(64 * 64 * 2, 1), explicit),
  ];
}

/** Encapsulated pixel data: an empty offset table and one fragment holding `fragment`. */
export function encapsulatedPixels(fragment: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16LE(0x7fe0, 0);
  head.writeUInt16LE(0x0010, 2);
  head.write('OB', 4, 'latin1');
  head.writeUInt32LE(0xffffffff, 8);
  const item = (b: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(b.length, 4);
    return Buffer.concat([h, b]);
  };
  const end = Buffer.alloc(8);
  end.writeUInt16LE(0xfffe, 0);
  end.writeUInt16LE(0xe0dd, 2);
  return Buffer.concat([head, item(Buffer.alloc(0)), item(even(fragment)), end]);
}
