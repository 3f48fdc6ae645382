import type { DcmjsDict } from '../parse/dcmjs.ts';
import { readPart10 } from '../parse/dcmjs.ts';
import { readPart10Structure } from '../parse/part10.ts';
import { ReadfirstError, errorMessage } from '../../core/errors.ts';
import type { JsonAttr, JsonDataset } from './dicom-json.ts';

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

function toBase64(v: unknown): string {
  if (v instanceof ArrayBuffer) return Buffer.from(v).toString('base64');
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return '';
}

function convert(dict: DcmjsDict, bulkUri: (tag: string) => string): JsonDataset {
  const out: JsonDataset = {};
  for (const [tag, el] of Object.entries(dict)) {
    const a: JsonAttr = { vr: el.vr };
    if (tag === '7FE00010') a.BulkDataURI = bulkUri(tag);
    else if (el.vr === 'SQ') {
      const items = (el.Value ?? []) as DcmjsDict[];
      if (items.length > 0) a.Value = items.map((item) => convert(item, bulkUri));
    } else if (BINARY_VRS.has(el.vr)) {
      const b64 = (el.Value ?? []).map(toBase64).join('');
      if (b64 !== '') a.InlineBinary = b64;
    } else if (el.Value && el.Value.length > 0 && !(el.Value.length === 1 && el.Value[0] === '')) a.Value = el.Value;
    out[tag] = a;
  }
  return out;
}

/**
 * The WADO-RS metadata of one instance (PS3.18 F.2, the DICOM JSON model). Pixel data is a
 * BulkDataURI to the instance; other binary values are inline. The transfer syntax (0002,0010)
 * is included as a convenience, though viewers read it from the frame response's Content-Type.
 */
export function instanceMetadata(bytes: Uint8Array, instanceUrl: string): JsonDataset {
  // dcmjs reads sequences recursively: walk the structure first with the bounded, iterative
  // reader, so a file stored before the ingest limits existed cannot overflow the stack.
  try {
    readPart10Structure(bytes);
  } catch (e) {
    throw new ReadfirstError('not-analysable', `stored instance cannot be served as metadata: ${errorMessage(e)}`);
  }
  const parsed = readPart10(bytes);
  const json = convert(parsed.dict, () => instanceUrl);
  const ts = parsed.meta['00020010'];
  if (ts) json['00020010'] = { vr: 'UI', ...(ts.Value ? { Value: ts.Value } : {}) };
  return json;
}
