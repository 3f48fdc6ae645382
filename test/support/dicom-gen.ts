import { naturalToPart10 } from '../../src/simulate/part10.ts';

let counter = 0;

/** A fresh UID under a test root (PS3.5 9: digits and dots, at most 64 characters). */
export function testUid(): string {
  counter += 1;
  return `2.25.${BigInt(Date.now()) * 1000000n + BigInt(process.pid % 1000) * 1000n + BigInt(counter % 1000)}${counter}`.slice(0, 64);
}

export interface GenOptions {
  studyUid?: string;
  seriesUid?: string;
  sopUid?: string;
  patientId?: string;
  patientName?: string;
  accession?: string;
  studyDate?: string;
  studyTime?: string;
  studyDescription?: string;
  modality?: string;
  rows?: number;
  columns?: number;
  instanceNumber?: number;
  /** Drop SOPInstanceUID from the data set (a malformed case). */
  omitSopInstanceUid?: boolean;
}

/**
 * A valid DX "For Presentation" Part-10 file, explicit VR little endian, 16-bit grey pixels with
 * a gradient; written by dcmjs. Fields not given get fresh UIDs and fixed demo values.
 */
export function makeInstance(o: GenOptions = {}): { bytes: Buffer; studyUid: string; seriesUid: string; sopUid: string } {
  const studyUid = o.studyUid ?? testUid();
  const seriesUid = o.seriesUid ?? testUid();
  const sopUid = o.sopUid ?? testUid();
  const rows = o.rows ?? 64;
  const columns = o.columns ?? 64;
  const pixels = new Uint16Array(rows * columns);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + (counter % 100)) % 4096;
  const sopClass = '1.2.840.10008.5.1.4.1.1.1.1';
  const natural: Record<string, unknown> = {
    SOPClassUID: sopClass,
    ...(o.omitSopInstanceUid ? {} : { SOPInstanceUID: sopUid }),
    StudyDate: o.studyDate ?? '20260110',
    StudyTime: o.studyTime ?? '101500',
    ...(o.studyDescription !== undefined ? { StudyDescription: o.studyDescription } : {}),
    AccessionNumber: o.accession ?? 'ACC0001',
    Modality: o.modality ?? 'DX',
    Manufacturer: 'readfirst-test',
    PatientName: o.patientName ?? 'Test^Patient',
    PatientID: o.patientId ?? 'PID0001',
    PatientBirthDate: '19700101',
    PatientSex: 'F',
    BodyPartExamined: 'CHEST',
    ViewPosition: 'PA',
    StudyInstanceUID: studyUid,
    SeriesInstanceUID: seriesUid,
    SeriesNumber: 1,
    InstanceNumber: o.instanceNumber ?? 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    WindowCenter: 2048,
    WindowWidth: 4096,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  return { bytes: naturalToPart10(natural, { classUid: sopClass, instanceUid: sopUid }), studyUid, seriesUid, sopUid };
}
