/** Explicit VR little-endian meta element (PS3.10 7.1). */
function metaElement(group2Element: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB';
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(0x0002, 0);
  head.writeUInt16LE(group2Element, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

function uidValue(uid: string): Buffer {
  return Buffer.from(uid.length % 2 ? `${uid}\0` : uid, 'latin1');
}

/** readfirst's implementation class UID and version name, written into file meta headers. */
export const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1455.1';
export const IMPLEMENTATION_VERSION = 'READFIRST_010';

/**
 * Wraps a data set received over DIMSE into a Part-10 file: 128-byte preamble, "DICM", and a
 * file meta group (PS3.10 7.1) naming the SOP class and instance from the C-STORE command and
 * the negotiated transfer syntax. The data set bytes follow exactly as received: `dataset` may be
 * the PDV fragments as they arrived, joined here in the one copy that makes the file.
 */
export function part10FromDimse(
  dataset: Buffer | readonly Buffer[],
  sopClassUid: string,
  sopInstanceUid: string,
  transferSyntaxUid: string,
  sourceAe: string,
): Buffer {
  const ae = sourceAe.trim();
  const elements = [
    metaElement(0x0001, 'OB', Buffer.from([0, 1])),
    metaElement(0x0002, 'UI', uidValue(sopClassUid)),
    metaElement(0x0003, 'UI', uidValue(sopInstanceUid)),
    metaElement(0x0010, 'UI', uidValue(transferSyntaxUid)),
    metaElement(0x0012, 'UI', uidValue(IMPLEMENTATION_CLASS_UID)),
    metaElement(0x0013, 'SH', Buffer.from(IMPLEMENTATION_VERSION, 'latin1')),
    metaElement(0x0016, 'AE', Buffer.from(ae.length % 2 ? `${ae} ` : ae, 'latin1')),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length, 0);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  const parts = Buffer.isBuffer(dataset) ? [dataset] : dataset;
  return Buffer.concat([preamble, metaElement(0x0000, 'UL', groupLength), body, ...parts]);
}
