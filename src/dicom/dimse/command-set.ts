import dimse from 'dcmjs-dimse';

type Vr = 'UI' | 'US' | 'LO' | 'AE';

/** Command elements readfirst's responses carry (PS3.7 E.1), by dcmjs-dimse keyword. */
const COMMAND_ELEMENTS: Readonly<Record<string, { element: number; vr: Vr }>> = {
  AffectedSOPClassUID: { element: 0x0002, vr: 'UI' },
  RequestedSOPClassUID: { element: 0x0003, vr: 'UI' },
  CommandField: { element: 0x0100, vr: 'US' },
  MessageID: { element: 0x0110, vr: 'US' },
  MessageIDBeingRespondedTo: { element: 0x0120, vr: 'US' },
  MoveDestination: { element: 0x0600, vr: 'AE' },
  Priority: { element: 0x0700, vr: 'US' },
  CommandDataSetType: { element: 0x0800, vr: 'US' },
  Status: { element: 0x0900, vr: 'US' },
  ErrorComment: { element: 0x0902, vr: 'LO' },
  ErrorID: { element: 0x0903, vr: 'US' },
  AffectedSOPInstanceUID: { element: 0x1000, vr: 'UI' },
  RequestedSOPInstanceUID: { element: 0x1001, vr: 'UI' },
};

function valueBytes(vr: Vr, value: unknown): Buffer | undefined {
  const v = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  if (vr === 'US') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) return undefined;
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v, 0);
    return b;
  }
  if (typeof v !== 'string') return undefined;
  const raw = Buffer.from(v, 'latin1');
  if (raw.length % 2 === 0) return raw;
  // PS3.5 6.2: UI values pad with NUL, text values with a space.
  return Buffer.concat([raw, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
}

/**
 * Encodes a command set (implicit VR little endian, group length first: PS3.7 6.3.1) from
 * dcmjs-dimse's naturalized elements, without dcmjs's denaturalize-and-write pass (about
 * 0.4 ms per C-STORE response on a loaded machine). Undefined values are left out, as dcmjs-dimse
 * does. Returns undefined for anything outside this small dictionary, so the caller falls back
 * to dcmjs-dimse's own encoder.
 */
export function encodeCommandSet(elements: Readonly<Record<string, unknown>>): Buffer | undefined {
  const parts: Array<{ element: number; bytes: Buffer }> = [];
  for (const [keyword, value] of Object.entries(elements)) {
    if (value === undefined) continue;
    const def = COMMAND_ELEMENTS[keyword];
    if (!def) return undefined;
    const bytes = valueBytes(def.vr, value);
    if (!bytes) return undefined;
    parts.push({ element: def.element, bytes });
  }
  parts.sort((a, b) => a.element - b.element);
  const bodyLength = parts.reduce((n, p) => n + 8 + p.bytes.length, 0);
  const out = Buffer.alloc(12 + bodyLength);
  out.writeUInt32LE(0x0000_0000, 0);
  out.writeUInt32LE(4, 4);
  out.writeUInt32LE(bodyLength, 8);
  let at = 12;
  for (const p of parts) {
    out.writeUInt16LE(0x0000, at);
    out.writeUInt16LE(p.element, at + 2);
    out.writeUInt32LE(p.bytes.length, at + 4);
    p.bytes.copy(out, at + 8);
    at += 8 + p.bytes.length;
  }
  return out;
}

/** A command data set that encodes itself with `encodeCommandSet` when it can. */
export class FastCommandDataset extends dimse.Dataset {
  override getDenaturalizedCommandDataset(writeOptions?: Record<string, unknown>): Buffer {
    return encodeCommandSet(this.getElements()) ?? super.getDenaturalizedCommandDataset(writeOptions);
  }
}
