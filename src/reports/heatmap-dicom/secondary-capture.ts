import sharp from 'sharp';
import { decodeFrame } from '../../dicom/pixels/decode.ts';
import { toDisplay8 } from '../../dicom/pixels/voi.ts';
import { type HeatmapSource, renderHeatmap } from '../../inference/explain/heatmap.ts';
import type { FindingResult, InferenceResult } from '../../inference/result.ts';
import { aiDeviceOf, contributingEquipment, dicomDateTime, generalEquipment } from '../dicom-output/ai-equipment.ts';
import { writePart10 } from '../dicom-output/part10.ts';
import { stableUid } from '../dicom-output/uid.ts';
import { type ModelAnalysis, OUTPUT_SERIES_NUMBER, outputSeriesUid, patientStudyOf } from '../model-analysis.ts';
import type { OutputObject } from '../output-object.ts';

export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/** Longest side of a heat-map capture: a view for the PACS, kept small enough to send quickly. */
export const MAX_CAPTURE_SIDE = 1024;

export interface HeatmapInput {
  result: InferenceResult;
  finding: FindingResult;
  /** The stored CAM and how the image sat in the model input (inference_heatmap.source). */
  source: HeatmapSource;
  /** The source image's Part-10 bytes. */
  imageBytes: Uint8Array;
  instanceNumber: number;
}

/**
 * The source image (its own VOI window) with the finding's colour heat-map blended over it, as
 * 8-bit RGB at the image's aspect ratio (longest side at most MAX_CAPTURE_SIDE).
 */
export async function blendedRgb(input: HeatmapInput): Promise<{ rgb: Buffer; rows: number; columns: number }> {
  const frame = await decodeFrame(input.imageBytes, 0);
  const grey = toDisplay8(frame);
  const overlay = await renderHeatmap({ ...input.source, columns: frame.columns, rows: frame.rows }, 'colour');
  const scale = Math.min(1, MAX_CAPTURE_SIDE / Math.max(frame.columns, frame.rows));
  const columns = Math.max(1, Math.round(frame.columns * scale));
  const rows = Math.max(1, Math.round(frame.rows * scale));
  const composed = await sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), {
    raw: { width: frame.columns, height: frame.rows, channels: 1 },
  })
    .toColourspace('srgb')
    .composite([{ input: overlay }])
    .png()
    .toBuffer();
  const rgb = await sharp(composed).resize(columns, rows, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  return { rgb, rows, columns };
}

/**
 * A heat-map as a Secondary Capture Image (PS3.3 A.8.1): the image with the model's class
 * activation map burned in, marked DERIVED and AI-generated, referencing its source image. A
 * Parametric Map (A.75) would carry the raw map; readfirst writes this overlay because any PACS
 * viewer shows it as it is.
 */
export async function buildHeatmapSc(a: ModelAnalysis, input: HeatmapInput, opts: { manufacturer?: string } = {}): Promise<OutputObject> {
  const img = a.images.get(input.result.sopInstanceUid ?? '');
  if (!img) throw new Error(`no source header for result ${input.result.id}`);
  const device = aiDeviceOf(a.model, opts.manufacturer);
  const at = dicomDateTime(a.createdAt);
  const { rgb, rows, columns } = await blendedRgb(input);
  const sopInstanceUid = stableUid('readfirst-heatmap', input.result.id, input.finding.key);
  const seriesInstanceUid = outputSeriesUid(a, 'heatmap');
  const label = `AI heat-map: ${input.finding.display} ${input.finding.probability.toFixed(2)}`;
  const natural: Record<string, unknown> = {
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: at.date,
    InstanceCreationTime: at.time,
    TimezoneOffsetFromUTC: at.offset,
    ...patientStudyOf(a),
    Modality: 'OT',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: OUTPUT_SERIES_NUMBER.heatmap,
    SeriesDate: at.date,
    SeriesTime: at.time,
    BodyPartExamined: 'CHEST',
    SeriesDescription: `AI heat-maps (${a.model.modelName}): AI-generated`.slice(0, 64),
    ...generalEquipment(device),
    ...contributingEquipment(device, at),
    ConversionType: 'WSD',
    InstanceNumber: input.instanceNumber,
    PatientOrientation: '',
    ContentDate: at.date,
    ContentTime: at.time,
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription:
      `${label} (class activation map of ${a.model.modelName} ${a.model.modelVersion}); AI-generated, not a diagnosis`.slice(0, 1024),
    ImageComments: label.slice(0, 10240),
    BurnedInAnnotation: 'NO',
    SourceImageSequence: [
      {
        ReferencedSOPClassUID: img.sopClassUid,
        ReferencedSOPInstanceUID: img.sopInstanceUid,
        PurposeOfReferenceCodeSequence: [
          { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' },
        ],
      },
    ],
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    PixelData: rgb.buffer.slice(rgb.byteOffset, rgb.byteOffset + rgb.byteLength),
    // PixelData's dictionary VR is "OB or OW"; 8-bit samples are OB (PS3.5 8.2).
    _vrMap: { PixelData: 'OB' },
  };
  return {
    kind: 'heatmap',
    sopClassUid: SECONDARY_CAPTURE,
    sopInstanceUid,
    seriesInstanceUid,
    studyInstanceUid: a.studyInstanceUid,
    bytes: writePart10(natural),
    description: `heat-map ${input.finding.key}`,
  };
}
