import dcmjs, { type DcmjsDict, type DicomDict } from 'dcmjs';

// dcmjs logs every lenient repair to the console; readfirst reports problems itself.
dcmjs.log.setLevel('silent');

export type { DcmjsDict, DicomDict };
export const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
export const DcmjsDicomDict = dcmjs.data.DicomDict;

/** An ArrayBuffer holding exactly `bytes` (dcmjs wants an ArrayBuffer, not a view). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}

/** Parses a Part-10 file with dcmjs (lenient: use `part10.ts` to validate structure first). */
export function readPart10(bytes: Uint8Array): DicomDict {
  return DicomMessage.readFile(toArrayBuffer(bytes), { noCopy: true });
}

/** The first value of a tag in a dcmjs dict, as a string, or null when absent or empty. */
export function dictString(dict: DcmjsDict, tag: string): string | null {
  const v = dict[tag]?.Value?.[0];
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') {
    const alphabetic = 'Alphabetic' in v ? v.Alphabetic : undefined;
    return typeof alphabetic === 'string' && alphabetic !== '' ? alphabetic : null;
  }
  const s = (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? v.toString() : '').trim();
  return s === '' ? null : s;
}

/** The first value of a tag as a number, or null. */
export function dictNumber(dict: DcmjsDict, tag: string): number | null {
  const s = dictString(dict, tag);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}
