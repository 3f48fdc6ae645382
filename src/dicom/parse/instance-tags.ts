import { DicomRejectError } from './reject.ts';
import type { Part10, RawElement } from './part10.ts';

/** Top-level tags readfirst indexes, by keyword (PS3.6). */
export const TAGS = {
  SpecificCharacterSet: 0x00080005,
  ImageType: 0x00080008,
  SOPClassUID: 0x00080016,
  SOPInstanceUID: 0x00080018,
  StudyDate: 0x00080020,
  SeriesDate: 0x00080021,
  StudyTime: 0x00080030,
  SeriesTime: 0x00080031,
  AccessionNumber: 0x00080050,
  Modality: 0x00080060,
  Manufacturer: 0x00080070,
  InstitutionName: 0x00080080,
  ReferringPhysicianName: 0x00080090,
  StationName: 0x00081010,
  StudyDescription: 0x00081030,
  SeriesDescription: 0x0008103e,
  ManufacturerModelName: 0x00081090,
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  IssuerOfPatientID: 0x00100021,
  PatientBirthDate: 0x00100030,
  PatientSex: 0x00100040,
  PatientAge: 0x00101010,
  BodyPartExamined: 0x00180015,
  ViewPosition: 0x00185101,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  SeriesNumber: 0x00200011,
  InstanceNumber: 0x00200013,
  SamplesPerPixel: 0x00280002,
  NumberOfFrames: 0x00280008,
  Rows: 0x00280010,
  Columns: 0x00280011,
  BitsAllocated: 0x00280100,
  CurrentPatientLocation: 0x00380300,
  RequestedProcedurePriority: 0x00401003,
  PixelData: 0x7fe00010,
} as const;

export type TagKeyword = keyof typeof TAGS;

const UID_RE = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/** Typed reads of a parsed file's top-level values. */
export class InstanceTags {
  private readonly utf8: boolean;
  constructor(readonly file: Part10) {
    const cs = this.rawString(this.file.elements.get(TAGS.SpecificCharacterSet)) ?? '';
    this.utf8 = cs.includes('ISO_IR 192');
  }

  private rawString(el: RawElement | undefined, utf8 = false): string | null {
    if (!el || el.value.byteLength === 0) return null;
    const s = Buffer.from(el.value.buffer, el.value.byteOffset, el.value.byteLength)
      .toString(utf8 ? 'utf8' : 'latin1')
      .replace(/[\0 ]+$/, '')
      .replace(/^ +/, '');
    return s === '' ? null : s;
  }

  /** A string value (all values backslash-joined), trimmed; null when absent or empty. */
  string(key: TagKeyword): string | null {
    return this.rawString(this.file.elements.get(TAGS[key]), this.utf8);
  }

  /** IS/DS as a number. */
  number(key: TagKeyword): number | null {
    const s = this.string(key);
    if (s === null) return null;
    const n = Number(s.split('\\')[0]);
    return Number.isFinite(n) ? n : null;
  }

  /** US (binary, 2 bytes) as a number. */
  us(key: TagKeyword): number | null {
    const el = this.file.elements.get(TAGS[key]);
    if (!el || el.value.byteLength < 2) return null;
    return new DataView(el.value.buffer, el.value.byteOffset, 2).getUint16(0, this.file.littleEndian);
  }

  /** A required UID (PS3.5 9.1: digits and dots, at most 64 characters). */
  uid(key: TagKeyword): string {
    const s = this.string(key);
    if (s === null) throw new DicomRejectError('missing-uid', `missing ${key}`);
    if (s.length > 64 || !UID_RE.test(s)) throw new DicomRejectError('invalid-uid', `${key} is not a valid UID`);
    return s;
  }

  has(key: TagKeyword): boolean {
    return this.file.elements.has(TAGS[key]);
  }

  pixelData(): RawElement | undefined {
    return this.file.elements.get(TAGS.PixelData);
  }
}
