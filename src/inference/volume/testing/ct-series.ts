import { naturalToPart10 } from '../../../simulate/part10.ts';

/** CT Image Storage (PS3.4 B.5). */
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface CtSeriesOptions {
  studyUid: string;
  seriesUid: string;
  /** UID prefix for the slices' SOP instance UIDs. */
  sopPrefix: string;
  slices: number;
  rows?: number;
  columns?: number;
  /** [row, column] pixel spacing, mm. */
  pixelSpacing?: [number, number];
  /** Distance between slice centres along the normal, mm. */
  sliceSpacing?: number;
  /** ImageOrientationPatient; default axial. */
  orientation?: [number, number, number, number, number, number];
  /** Degrees of gantry tilt: slices shift along the column direction as they go. */
  tiltDegrees?: number;
  /** A bright ellipsoid centred on this slice (index in volume order), or none. */
  lesionSlice?: number | null;
  patientId?: string;
  accession?: string;
  seriesDescription?: string;
  /** Per-slice override of the position along the normal (for gaps and duplicates). */
  offsets?: number[];
  imageType?: string[];
  /** Generate only slices [from, to) of the series (a long series is written in chunks). */
  range?: [number, number];
}

export interface CtSlice {
  sopUid: string;
  /** Index in volume order (increasing z). */
  index: number;
  bytes: Buffer;
}

/**
 * A synthetic head CT series with known geometry: an elliptical skull (1000 HU) and brain
 * (30 HU) in air (−1000 HU), stored as signed 16-bit with RescaleIntercept −1024, and an
 * optional bright (+45 HU) ellipsoid lesion spanning three slices. What the CT pipeline test
 * model was trained to find, so a test knows which slice must drive the finding.
 */
export function makeCtSeries(o: CtSeriesOptions): CtSlice[] {
  const rows = o.rows ?? 128;
  const cols = o.columns ?? 128;
  const [pr, pc] = o.pixelSpacing ?? [1.5, 1.5];
  const dz = o.sliceSpacing ?? 5;
  const iop = o.orientation ?? [1, 0, 0, 0, 1, 0];
  const row = [iop[0], iop[1], iop[2]] as const;
  const col = [iop[3], iop[4], iop[5]] as const;
  const normal = [row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]] as const;
  const tilt = Math.tan(((o.tiltDegrees ?? 0) * Math.PI) / 180);
  const out: CtSlice[] = [];
  const [from, to] = o.range ?? [0, o.slices];
  for (let i = from; i < Math.min(to, o.slices); i++) {
    const z = o.offsets?.[i] ?? i * dz;
    const shift = z * tilt;
    const ipp = [0, 1, 2].map(
      (k) => -((cols * pc) / 2) * (row[k] ?? 0) - ((rows * pr) / 2) * (col[k] ?? 0) + z * (normal[k] ?? 0) + shift * (col[k] ?? 0),
    );
    const pixels = new Int16Array(rows * cols);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const u = (x / cols) * 2 - 1;
        const v = (y / rows) * 2 - 1;
        const r = (u / 0.8) ** 2 + (v / 0.9) ** 2;
        let hu = r <= 1 ? (r <= 0.85 ? 30 : 1000) : -1000;
        if (o.lesionSlice !== undefined && o.lesionSlice !== null && Math.abs(i - o.lesionSlice) <= 1 && r <= 0.8) {
          const rz = 0.14 * Math.sqrt(Math.max(0, 1 - ((i - o.lesionSlice) * 0.5) ** 2));
          if ((u - 0.2) ** 2 + (v + 0.1) ** 2 <= rz ** 2) hu += 45;
        }
        pixels[y * cols + x] = hu + 1024;
      }
    }
    const sopUid = `${o.sopPrefix}.${i + 1}`;
    const natural: Record<string, unknown> = {
      SOPClassUID: CT_IMAGE_STORAGE,
      SOPInstanceUID: sopUid,
      StudyInstanceUID: o.studyUid,
      SeriesInstanceUID: o.seriesUid,
      FrameOfReferenceUID: `${o.studyUid}.1`,
      Modality: 'CT',
      PatientName: 'PHANTOM^CT',
      PatientID: o.patientId ?? 'CT-PHANTOM',
      PatientSex: 'O',
      PatientAge: '050Y',
      StudyDate: '20261201',
      StudyTime: '080000',
      AccessionNumber: o.accession ?? 'CTACC1',
      StudyDescription: 'CT HEAD (synthetic phantom)',
      SeriesDescription: o.seriesDescription ?? 'AXIAL 5mm',
      BodyPartExamined: 'HEAD',
      ImageType: o.imageType ?? ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      SeriesNumber: 2,
      // Instance numbers run backwards: order must come from the geometry, never from these.
      InstanceNumber: o.slices - i,
      AcquisitionNumber: 1,
      ImagePositionPatient: ipp,
      ImageOrientationPatient: [...iop],
      PixelSpacing: [pr, pc],
      SliceThickness: dz,
      GantryDetectorTilt: o.tiltDegrees ?? 0,
      Rows: rows,
      Columns: cols,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: -1024,
      RescaleSlope: 1,
      RescaleType: 'HU',
      WindowCenter: 40,
      WindowWidth: 80,
      PixelData: pixels.buffer,
      _vrMap: { PixelData: 'OW' },
    };
    out.push({ sopUid, index: i, bytes: naturalToPart10(natural, { classUid: CT_IMAGE_STORAGE, instanceUid: sopUid }) });
  }
  return out;
}
