import { DEFAULT_LIMITS, type ParseLimits, readPart10Structure } from './part10.ts';
import { checkPixelEncoding } from './transfer-syntax.ts';

const PIXEL_DATA_TAG = 0x7fe00010;
import { DicomRejectError } from './reject.ts';
import { InstanceTags } from './instance-tags.ts';
import { NATIVE_SYNTAXES } from '../pixels/codecs.ts';

/** UIDs every stored instance must carry, already checked. */
export interface ParsedInstance {
  tags: InstanceTags;
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

/** Native pixel data must hold exactly rows × columns × samples × frames of BitsAllocated (PS3.5 8.1.1). */
function checkNativePixelLength(t: InstanceTags, ts: string): void {
  const pd = t.pixelData();
  if (!pd || pd.undefinedLength || !NATIVE_SYNTAXES.has(ts)) return;
  const rows = t.us('Rows');
  const cols = t.us('Columns');
  const bits = t.us('BitsAllocated');
  if (rows === null || cols === null || bits === null) return;
  const samples = t.us('SamplesPerPixel') ?? 1;
  const frames = t.number('NumberOfFrames') ?? 1;
  const bitsTotal = rows * cols * samples * frames * bits;
  const expected = Math.ceil(bitsTotal / 8);
  const padded = expected + (expected % 2);
  if (pd.value.byteLength !== expected && pd.value.byteLength !== padded) {
    throw new DicomRejectError('wrong-length', `pixel data holds ${pd.value.byteLength} bytes; its attributes need ${padded}`);
  }
}

/**
 * Reads and validates one upload: Part-10 structure within `limits` (nesting depth, element count,
 * inflated size), the four identifying UIDs, a standard transfer syntax that matches the pixel
 * data's encoding, and native pixel data of the right length. Throws DicomRejectError for quarantine.
 */
export function parseInstance(bytes: Uint8Array, limits: ParseLimits = DEFAULT_LIMITS): ParsedInstance {
  const file = readPart10Structure(bytes, limits);
  const tags = new InstanceTags(file);
  const ts = file.transferSyntaxUid;
  checkPixelEncoding(ts, file.elements.get(PIXEL_DATA_TAG), file.littleEndian);
  const parsed: ParsedInstance = {
    tags,
    transferSyntaxUid: ts,
    sopClassUid: tags.uid('SOPClassUID'),
    sopInstanceUid: tags.uid('SOPInstanceUID'),
    studyInstanceUid: tags.uid('StudyInstanceUID'),
    seriesInstanceUid: tags.uid('SeriesInstanceUID'),
  };
  checkNativePixelLength(tags, ts);
  return parsed;
}
