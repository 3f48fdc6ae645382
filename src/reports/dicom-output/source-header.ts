import { DicomMessage, DicomMetaDictionary, toArrayBuffer } from '../../dicom/parse/dcmjs.ts';

/**
 * The attributes of one source image that readfirst's output objects copy or reference: the
 * Patient and General Study modules (PS3.3 C.7.1.1, C.7.2.1), so the outputs land in the same
 * study, and the image's identity for references.
 */
export interface SourceImage {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  rows: number | null;
  columns: number | null;
  /** Patient and study attributes, naturalized (dcmjs keywords), copied as they were sent. */
  patientStudy: Record<string, unknown>;
}

/** Copied from the source when present; absent type-2 attributes are written empty by the writers. */
const PATIENT_STUDY_KEYWORDS = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
  'SpecificCharacterSet',
] as const;

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** Reads a source image's header (everything before the pixel data) from its Part-10 bytes. */
export function readSourceImage(bytes: Uint8Array): SourceImage {
  const parsed = DicomMessage.readFile(toArrayBuffer(bytes), { untilTag: '7FE00010', includeUntilTagValue: false });
  const ds = DicomMetaDictionary.naturalizeDataset(parsed.dict);
  const sopClassUid = text(ds.SOPClassUID);
  const sopInstanceUid = text(ds.SOPInstanceUID);
  const seriesInstanceUid = text(ds.SeriesInstanceUID);
  if (!sopClassUid || !sopInstanceUid || !seriesInstanceUid || !text(ds.StudyInstanceUID))
    throw new Error('source image lacks its SOP class, SOP instance, series or study UID');
  const patientStudy: Record<string, unknown> = {};
  for (const k of PATIENT_STUDY_KEYWORDS) if (ds[k] !== undefined) patientStudy[k] = ds[k];
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { sopClassUid, sopInstanceUid, seriesInstanceUid, rows: num(ds.Rows), columns: num(ds.Columns), patientStudy };
}
