import { ReadfirstError } from '../../core/errors.ts';
import { type DcmjsDict, dictNumber, dictString, readPart10 } from '../parse/dcmjs.ts';
import { NATIVE_SYNTAXES, decodeEncapsulated } from './codecs.ts';
import { frameBytes } from './frame-bytes.ts';
import { modalityValues } from './modality-lut.ts';

/** A VOI window (PS3.3 C.11.2.1.2): centre and width in modality units. */
export interface VoiWindow {
  center: number;
  width: number;
}

/**
 * One decoded grey frame in modality units (stored value × RescaleSlope + RescaleIntercept,
 * PS3.3 C.11.1.1.2). Display is left to the caller: see `voi.ts` for windowing and MONOCHROME1.
 */
export interface GreyFrame {
  rows: number;
  columns: number;
  /** Row-major modality values, rows × columns. */
  values: Float32Array;
  /** MONOCHROME1: low values are white (invert for display). */
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  bitsAllocated: number;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  rescale: { slope: number; intercept: number };
  /** First WindowCenter/WindowWidth pair of the file, or null when it has none. */
  window: VoiWindow | null;
  /** VOILUTFunction (0028,1056): LINEAR (default), LINEAR_EXACT or SIGMOID. */
  voiLutFunction: string;
  transferSyntaxUid: string;
  numberOfFrames: number;
  /** Min and max of `values`. */
  min: number;
  max: number;
}

function required(dict: DcmjsDict, tag: string, name: string): number {
  const n = dictNumber(dict, tag);
  if (n === null) throw new ReadfirstError('not-analysable', `missing ${name}`);
  return n;
}

const isWordSize = (n: number): n is 8 | 16 | 32 => n === 8 || n === 16 || n === 32;

/**
 * Decodes one frame (0-based) of a Part-10 instance to grey modality values.
 * Handles native syntaxes and every compressed syntax dcmjs-codecs knows (JPEG baseline,
 * extended, lossless; JPEG-LS; JPEG 2000; HTJ2K; RLE). Colour images are refused
 * ('unsupported'): readfirst's models and viewer thumbnails are grey.
 * The one decoder: the rendered-frame endpoint and inference preprocessing both use it.
 */
export async function decodeFrame(bytes: Uint8Array, frameIndex = 0): Promise<GreyFrame> {
  let parsed;
  try {
    parsed = readPart10(bytes);
  } catch (e) {
    throw new ReadfirstError('not-analysable', 'not a readable DICOM file', undefined, { cause: e });
  }
  const dict = parsed.dict;
  const ts = dictString(parsed.meta, '00020010') ?? '1.2.840.10008.1.2';
  const rows = required(dict, '00280010', 'Rows');
  const columns = required(dict, '00280011', 'Columns');
  const samplesPerPixel = dictNumber(dict, '00280002') ?? 1;
  const photometric = dictString(dict, '00280004') ?? 'MONOCHROME2';
  if (samplesPerPixel !== 1 || (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2')) {
    throw new ReadfirstError('unsupported', `only grey images are decoded (got ${photometric})`);
  }
  const bitsAllocated = required(dict, '00280100', 'BitsAllocated');
  if (!isWordSize(bitsAllocated)) {
    throw new ReadfirstError('unsupported', `BitsAllocated ${bitsAllocated} is not supported`);
  }
  const bitsStored = dictNumber(dict, '00280101') ?? bitsAllocated;
  const pixelRepresentation = dictNumber(dict, '00280103') === 1 ? 1 : 0;
  const numberOfFrames = dictNumber(dict, '00280008') ?? 1;
  const geometry = { rows, columns, samplesPerPixel, bitsAllocated, numberOfFrames };
  let raw = frameBytes(dict, ts, geometry, frameIndex);
  if (!NATIVE_SYNTAXES.has(ts)) {
    raw = await decodeEncapsulated(ts, raw, {
      rows,
      columns,
      bitsAllocated,
      bitsStored,
      samplesPerPixel,
      pixelRepresentation,
      photometricInterpretation: photometric,
    });
  }
  const count = rows * columns;
  if (raw.byteLength < (count * bitsAllocated) / 8) throw new ReadfirstError('not-analysable', 'decoded frame is too short');
  const slope = dictNumber(dict, '00281053') ?? 1;
  const intercept = dictNumber(dict, '00281052') ?? 0;
  const layout = { count, bitsAllocated, bitsStored, signed: pixelRepresentation === 1, bigEndian: ts === '1.2.840.10008.1.2.2' } as const;
  const { values, min, max } = modalityValues(raw, layout, slope, intercept);
  const center = dictNumber(dict, '00281050');
  const width = dictNumber(dict, '00281051');
  return {
    rows,
    columns,
    values,
    photometric,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    rescale: { slope, intercept },
    window: center !== null && width !== null && width > 0 ? { center, width } : null,
    voiLutFunction: dictString(dict, '00281056') ?? 'LINEAR',
    transferSyntaxUid: ts,
    numberOfFrames,
    min,
    max,
  };
}
