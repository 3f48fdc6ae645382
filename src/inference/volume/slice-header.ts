import { ReadfirstError } from '../../core/errors.ts';
import { type DcmjsDict, DicomMessage, dictNumber, dictString, toArrayBuffer } from '../../dicom/parse/dcmjs.ts';

export type Vec3 = readonly [number, number, number];

/**
 * What volume assembly needs of one image plane: a classic single-frame instance, or one frame
 * of an enhanced multi-frame object (PS3.3 C.7.6.16, Per-Frame and Shared Functional Groups).
 */
export interface SliceHeader {
  sopInstanceUid: string;
  /** 0-based frame within the instance (0 for classic single-frame images). */
  frameIndex: number;
  seriesInstanceUid: string | null;
  modality: string | null;
  rows: number;
  columns: number;
  /** ImagePositionPatient (0020,0032): the centre of the first transmitted pixel, mm. */
  position: Vec3 | null;
  /** ImageOrientationPatient (0020,0037): row then column direction cosines. */
  orientation: readonly [number, number, number, number, number, number] | null;
  /** PixelSpacing (0028,0030): [between rows, between columns] in mm. */
  pixelSpacing: readonly [number, number] | null;
  sliceThickness: number | null;
  /** GantryDetectorTilt (0018,1120), degrees; 0 when absent. */
  gantryTilt: number;
  acquisitionNumber: number | null;
  instanceNumber: number | null;
  /** ImageType (0008,0008) or FrameType (0008,9007) values, upper-case. */
  imageType: readonly string[];
  /** Modality LUT (PS3.3 C.11.1): per frame in enhanced objects. */
  rescale: { slope: number; intercept: number };
  /** StackID (0020,9056) of an enhanced frame; several stacks are several volumes. */
  stackId: string | null;
  /** TemporalPositionIndex (0020,9128) of an enhanced frame; several are a time series, not a volume. */
  temporalPosition: number | null;
  seriesDescription: string;
  contrastAgent: string | null;
}

function numbers(dict: DcmjsDict | undefined, tag: string): number[] {
  return (dict?.[tag]?.Value ?? []).map((v) => Number(v)).filter((n) => Number.isFinite(n));
}

function vec3(dict: DcmjsDict | undefined, tag: string): Vec3 | null {
  const [x, y, z] = numbers(dict, tag);
  return x === undefined || y === undefined || z === undefined ? null : [x, y, z];
}

function orientationOf(dict: DcmjsDict | undefined): SliceHeader['orientation'] {
  const v = numbers(dict, '00200037');
  return v.length === 6 ? [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 0, v[4] ?? 0, v[5] ?? 0] : null;
}

function spacingOf(dict: DcmjsDict | undefined): SliceHeader['pixelSpacing'] {
  const [r, c] = numbers(dict, '00280030');
  return r !== undefined && c !== undefined && r > 0 && c > 0 ? [r, c] : null;
}

function item(dict: DcmjsDict | undefined, tag: string): DcmjsDict | undefined {
  return dict?.[tag]?.Value?.[0] as DcmjsDict | undefined;
}

function upperValues(dict: DcmjsDict | undefined, tag: string): string[] {
  return (dict?.[tag]?.Value ?? []).filter((v): v is string => typeof v === 'string').map((v) => v.trim().toUpperCase());
}

/** A functional-group macro of one frame: its per-frame item, else the shared one. */
function macro(perFrame: DcmjsDict | undefined, shared: DcmjsDict | undefined, tag: string): DcmjsDict | undefined {
  return item(perFrame, tag) ?? item(shared, tag);
}

/**
 * Reads the geometry of every image plane of one instance from its header only (the pixel data
 * is not parsed, so a 300-slice series costs 300 header reads, not 300 decodes).
 */
export function readSliceHeaders(bytes: Uint8Array): SliceHeader[] {
  let parsed;
  try {
    parsed = DicomMessage.readFile(toArrayBuffer(bytes), { untilTag: '7FE00010', includeUntilTagValue: false, noCopy: true });
  } catch (e) {
    throw new ReadfirstError('not-analysable', 'not a readable DICOM file', { reason: 'unreadable' }, { cause: e });
  }
  const d = parsed.dict;
  const sopInstanceUid = dictString(d, '00080018') ?? dictString(parsed.meta, '00020003');
  if (!sopInstanceUid) throw new ReadfirstError('not-analysable', 'instance has no SOPInstanceUID', { reason: 'unreadable' });
  const rows = dictNumber(d, '00280010');
  const columns = dictNumber(d, '00280011');
  if (rows === null || columns === null)
    throw new ReadfirstError('not-analysable', 'instance has no Rows/Columns', { reason: 'unreadable' });
  const common = {
    sopInstanceUid,
    seriesInstanceUid: dictString(d, '0020000E'),
    modality: dictString(d, '00080060')?.toUpperCase() ?? null,
    rows,
    columns,
    gantryTilt: dictNumber(d, '00181120') ?? 0,
    acquisitionNumber: dictNumber(d, '00200012'),
    instanceNumber: dictNumber(d, '00200013'),
    seriesDescription: dictString(d, '0008103E') ?? '',
    contrastAgent: dictString(d, '00180010'),
  };
  const frames = dictNumber(d, '00280008') ?? 1;
  const perFrameSeq = (d['52009230']?.Value ?? []) as DcmjsDict[];
  const shared = item(d, '52009229');
  if (perFrameSeq.length === 0) {
    return [
      {
        ...common,
        frameIndex: 0,
        position: vec3(d, '00200032'),
        orientation: orientationOf(d),
        pixelSpacing: spacingOf(d),
        sliceThickness: dictNumber(d, '00180050'),
        imageType: upperValues(d, '00080008'),
        rescale: { slope: dictNumber(d, '00281053') ?? 1, intercept: dictNumber(d, '00281052') ?? 0 },
        stackId: null,
        temporalPosition: null,
      },
    ];
  }
  const out: SliceHeader[] = [];
  for (let f = 0; f < Math.min(frames, perFrameSeq.length); f++) {
    const pf = perFrameSeq[f];
    const measures = macro(pf, shared, '00289110');
    const transform = macro(pf, shared, '00289145');
    const content = item(pf, '00209111');
    const frameType = upperValues(macro(pf, shared, '00189226') ?? macro(pf, shared, '00189329'), '00089007');
    out.push({
      ...common,
      frameIndex: f,
      position: vec3(macro(pf, shared, '00209113'), '00200032'),
      orientation: orientationOf(macro(pf, shared, '00209116')),
      pixelSpacing: spacingOf(measures),
      sliceThickness: measures ? dictNumber(measures, '00180050') : null,
      imageType: frameType.length ? frameType : upperValues(d, '00080008'),
      rescale: {
        slope: (transform && dictNumber(transform, '00281053')) ?? dictNumber(d, '00281053') ?? 1,
        intercept: (transform && dictNumber(transform, '00281052')) ?? dictNumber(d, '00281052') ?? 0,
      },
      stackId: content ? dictString(content, '00209056') : null,
      temporalPosition: content ? dictNumber(content, '00209128') : null,
    });
  }
  return out;
}
