import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import codecs from 'dcmjs-codecs';
import { ReadfirstError } from '../../core/errors.ts';

/** Transfer syntaxes whose pixel data is stored uncompressed. */
export const NATIVE_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99']);

// dcmjs-codecs is CommonJS: Node's ESM loader sees only its default export.
const { Context, NativeCodecs } = codecs;
type CodecContext = InstanceType<typeof Context>;
type Decoder = (ctx: CodecContext) => CodecContext;

const DECODERS: Record<string, Decoder> = {
  '1.2.840.10008.1.2.4.50': (c) => NativeCodecs.decodeJpeg(c, { convertColorspaceToRgb: false }),
  '1.2.840.10008.1.2.4.51': (c) => NativeCodecs.decodeJpeg(c, { convertColorspaceToRgb: false }),
  '1.2.840.10008.1.2.4.57': (c) => NativeCodecs.decodeJpeg(c),
  '1.2.840.10008.1.2.4.70': (c) => NativeCodecs.decodeJpeg(c),
  '1.2.840.10008.1.2.4.80': (c) => NativeCodecs.decodeJpegLs(c),
  '1.2.840.10008.1.2.4.81': (c) => NativeCodecs.decodeJpegLs(c),
  '1.2.840.10008.1.2.4.90': (c) => NativeCodecs.decodeJpeg2000(c),
  '1.2.840.10008.1.2.4.91': (c) => NativeCodecs.decodeJpeg2000(c),
  '1.2.840.10008.1.2.4.201': (c) => NativeCodecs.decodeHtJpeg2000(c),
  '1.2.840.10008.1.2.4.202': (c) => NativeCodecs.decodeHtJpeg2000(c),
  '1.2.840.10008.1.2.4.203': (c) => NativeCodecs.decodeHtJpeg2000(c),
  '1.2.840.10008.1.2.5': (c) => NativeCodecs.decodeRle(c),
};

let ready: Promise<void> | undefined;

/** Loads the dcmjs-codecs wasm once per process. */
export async function initCodecs(): Promise<void> {
  ready ??= (async () => {
    const main = createRequire(import.meta.url).resolve('dcmjs-codecs');
    await NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: join(dirname(main), 'dcmjs-native-codecs.wasm') });
  })();
  return ready;
}

export interface EncodedFrameInfo {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  samplesPerPixel: number;
  pixelRepresentation: number;
  photometricInterpretation: string;
}

export function canDecode(transferSyntaxUid: string): boolean {
  return NATIVE_SYNTAXES.has(transferSyntaxUid) || transferSyntaxUid in DECODERS;
}

/**
 * Decodes one compressed frame to little-endian native bytes (PS3.5 A.4 encapsulation).
 * Bit-exact per STACK-NOTES for JPEG, JPEG-LS, JPEG 2000 and RLE.
 */
export async function decodeEncapsulated(transferSyntaxUid: string, encoded: Uint8Array, info: EncodedFrameInfo): Promise<Uint8Array> {
  const decoder = DECODERS[transferSyntaxUid];
  if (!decoder) throw new ReadfirstError('unsupported', `transfer syntax ${transferSyntaxUid} cannot be decoded`);
  await initCodecs();
  const ctx = new Context({
    width: info.columns,
    height: info.rows,
    bitsAllocated: info.bitsAllocated,
    bitsStored: info.bitsStored,
    samplesPerPixel: info.samplesPerPixel,
    pixelRepresentation: info.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: info.photometricInterpretation,
    encodedBuffer: encoded,
  });
  let out: Uint8Array | undefined;
  try {
    out = decoder(ctx).getDecodedBuffer();
  } catch (e) {
    throw new ReadfirstError('not-analysable', `frame decode failed (${transferSyntaxUid})`, undefined, { cause: e });
  }
  if (!out) throw new ReadfirstError('not-analysable', `frame decode gave no pixels (${transferSyntaxUid})`);
  return out;
}
