import { crc32 } from 'node:zlib';

/**
 * One journal record (little-endian), padded to 8 bytes:
 *
 *   0  magic "RFJ1"        4  segment sequence number   8  payload length
 *  12  key length (u16)   14  tag length (u16)         16  CRC-32 of bytes 0–15, key, tag, payload
 *  20  reserved (zeros)   32  key (UTF-8)  ·  tag (UTF-8)  ·  payload
 *
 * The sequence number makes records left over in a recycled segment file read as the end of
 * the log; the CRC makes a torn or corrupted record detectable (it guards against torn writes
 * and media errors, not tampering; the instance's SHA-256 is kept in the database).
 */
export const RECORD_MAGIC = 0x314a4652;
export const HEADER_BYTES = 32;

export interface JournalRecord {
  /** Byte offset of the record in its segment. */
  offset: number;
  /** What the payload is for (the instance file's relative path). */
  key: string;
  /** A short label kept with the record (the ingest channel). */
  tag: string;
  payload: Buffer;
}

/** Why a segment scan stopped: zeros or a stale record (clean end), or a record that fails its checks. */
export type ScanEnd = 'end' | 'torn' | 'checksum-mismatch';

export interface ScanResult {
  records: JournalRecord[];
  end: ScanEnd;
  /** Offset where the scan stopped: the first byte after the last valid record. */
  endOffset: number;
}

export const pad8 = (n: number): number => (n + 7) & ~7;

function checksum(head: Buffer, key: Buffer, tag: Buffer, payload: Uint8Array): number {
  return crc32(payload, crc32(tag, crc32(key, crc32(head.subarray(0, 16)))));
}

/** The buffers of one record (header with key and tag, payload, padding) and its padded length. */
export function encodeRecord(seq: number, key: string, tag: string, payload: Uint8Array): { buffers: Buffer[]; length: number } {
  const k = Buffer.from(key, 'utf8');
  const t = Buffer.from(tag, 'utf8');
  if (k.length > 0xffff || t.length > 0xffff) throw new Error('journal key or tag too long');
  const head = Buffer.alloc(HEADER_BYTES + k.length + t.length);
  head.writeUInt32LE(RECORD_MAGIC, 0);
  head.writeUInt32LE(seq >>> 0, 4);
  head.writeUInt32LE(payload.byteLength, 8);
  head.writeUInt16LE(k.length, 12);
  head.writeUInt16LE(t.length, 14);
  head.writeUInt32LE(checksum(head, k, t, payload), 16);
  k.copy(head, HEADER_BYTES);
  t.copy(head, HEADER_BYTES + k.length);
  const raw = head.length + payload.byteLength;
  const length = pad8(raw);
  const body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const buffers = length > raw ? [head, body, Buffer.alloc(length - raw)] : [head, body];
  return { buffers, length };
}

/** Size of a record for a payload of `payloadBytes` with this key and tag. */
export function recordLength(key: string, tag: string, payloadBytes: number): number {
  return pad8(HEADER_BYTES + Buffer.byteLength(key, 'utf8') + Buffer.byteLength(tag, 'utf8') + payloadBytes);
}

/**
 * Reads the valid records of one segment, in order, up to the first record that is absent
 * (zeros, or left over from an older segment), torn or corrupted. Records after that point
 * were never acknowledged: each acknowledgement waits for a sync that covers every record before it.
 */
export function scanSegment(buf: Buffer, seq: number): ScanResult {
  const records: JournalRecord[] = [];
  let pos = 0;
  const stop = (end: ScanEnd): ScanResult => ({ records, end, endOffset: pos });
  while (pos + HEADER_BYTES <= buf.length) {
    if (buf.readUInt32LE(pos) !== RECORD_MAGIC || buf.readUInt32LE(pos + 4) !== seq >>> 0) return stop('end');
    const payloadLen = buf.readUInt32LE(pos + 8);
    const keyLen = buf.readUInt16LE(pos + 12);
    const tagLen = buf.readUInt16LE(pos + 14);
    const start = pos + HEADER_BYTES;
    const payloadAt = start + keyLen + tagLen;
    if (payloadAt + payloadLen > buf.length) return stop('torn');
    const head = buf.subarray(pos, pos + 16);
    const key = buf.subarray(start, start + keyLen);
    const tag = buf.subarray(start + keyLen, payloadAt);
    const payload = buf.subarray(payloadAt, payloadAt + payloadLen);
    if (checksum(head, key, tag, payload) !== buf.readUInt32LE(pos + 16)) return stop('checksum-mismatch');
    records.push({ offset: pos, key: key.toString('utf8'), tag: tag.toString('utf8'), payload });
    pos += pad8(payloadAt + payloadLen - pos);
  }
  return stop('end');
}
