import { ReadfirstError } from '../../core/errors.ts';
import { type DcmjsDict, DicomMessage, dictString, toArrayBuffer } from '../../dicom/parse/dcmjs.ts';
import { patientAgeYears } from '../../dicom/parse/patient-age.ts';

/** The tags routing and the quality gate look at, read once from the instance header. */
export interface ImageMeta {
  sopClassUid: string | null;
  transferSyntaxUid: string | null;
  modality: string | null;
  /** BodyPartExamined (0018,0015), upper-case. */
  bodyPart: string | null;
  /** ViewPosition (0018,5101), upper-case; else derived from ViewCodeSequence or the description. */
  viewPosition: string | null;
  /** ImageType (0008,0008) values, upper-case. */
  imageType: string[];
  /** PatientOrientation (0020,0020): row and column directions, e.g. ["L", "F"]. */
  patientOrientation: string[];
  /** Age in years at the study (PatientAge, else birth and study dates); null when unknown. */
  patientAgeYears: number | null;
  rows: number | null;
  columns: number | null;
  photometric: string | null;
  /** Series/study description and protocol, for view hints when ViewPosition is absent. */
  description: string;
  /** First item of VOILUTSequence (0028,3010), when present (PS3.3 C.11.2). */
  voiLut: VoiLut | null;
}

/** A VOI LUT: input values from `firstMapped` map to `data`, output range 0 .. 2^bits - 1. */
export interface VoiLut {
  firstMapped: number;
  bits: number;
  data: Uint16Array;
}

function readVoiLut(dict: DcmjsDict): VoiLut | null {
  const item = dict['00283010']?.Value?.[0] as DcmjsDict | undefined;
  if (!item) return null;
  const desc = (item['00283002']?.Value ?? []).map(Number);
  const raw = item['00283006']?.Value ?? [];
  let data: Uint16Array;
  if (raw[0] instanceof ArrayBuffer) data = new Uint16Array(raw[0].slice(0, raw[0].byteLength - (raw[0].byteLength % 2)));
  else data = Uint16Array.from(raw.map(Number));
  const [entries = 0, firstMapped = 0, bits = 16] = desc;
  const n = entries === 0 ? 65536 : entries;
  if (data.length < n || !Number.isFinite(firstMapped)) return null;
  return { firstMapped, bits: bits > 0 ? bits : 16, data: data.subarray(0, n) };
}

function values(dict: DcmjsDict, tag: string): string[] {
  return (dict[tag]?.Value ?? []).filter((v): v is string => typeof v === 'string').map((v) => v.trim().toUpperCase());
}

function upper(dict: DcmjsDict, tag: string): string | null {
  return dictString(dict, tag)?.toUpperCase() ?? null;
}

/** ViewCodeSequence (0054,0220) code meanings of SNOMED/DCM view codes (PS3.16 CID 4010). */
function viewFromCode(dict: DcmjsDict): string | null {
  const item = dict['00540220']?.Value?.[0] as DcmjsDict | undefined;
  if (!item) return null;
  const meaning = (dictString(item, '00080104') ?? '').toUpperCase();
  const code = dictString(item, '00080100') ?? '';
  if (/LATERAL/.test(meaning) || code === 'R-10232' || code === 'R-10236' || code === '399173006' || code === '399198007') return 'LATERAL';
  if (/POSTERO-ANTERIOR|PA\b/.test(meaning) || code === 'R-10214' || code === '399348003') return 'PA';
  if (/ANTERO-POSTERIOR|AP\b/.test(meaning) || code === 'R-10206' || code === '272479005') return 'AP';
  return null;
}

function viewFromDescription(description: string): string | null {
  if (/\bLAT(ERAL)?\b|\bLL\b|\bRL\b/.test(description)) return 'LATERAL';
  if (/\bPA\b/.test(description)) return 'PA';
  if (/\bAP\b/.test(description)) return 'AP';
  return null;
}

function num(dict: DcmjsDict, tag: string): number | null {
  const s = dictString(dict, tag);
  const n = s === null ? NaN : Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Reads the header (stops before the pixel data, so it is cheap on large files). */
export function readImageMeta(bytes: Uint8Array): ImageMeta {
  let parsed;
  try {
    parsed = DicomMessage.readFile(toArrayBuffer(bytes), { untilTag: '7FE00010', includeUntilTagValue: false, noCopy: true });
  } catch (e) {
    throw new ReadfirstError('not-analysable', 'not a readable DICOM file', undefined, { cause: e });
  }
  const d = parsed.dict;
  const description = [dictString(d, '0008103E'), dictString(d, '00181030'), dictString(d, '00081030')]
    .filter((s): s is string => s !== null)
    .join(' ')
    .toUpperCase();
  return {
    sopClassUid: dictString(d, '00080016') ?? dictString(parsed.meta, '00020002'),
    transferSyntaxUid: dictString(parsed.meta, '00020010'),
    modality: upper(d, '00080060'),
    bodyPart: upper(d, '00180015'),
    viewPosition: upper(d, '00185101') ?? viewFromCode(d) ?? viewFromDescription(description),
    imageType: values(d, '00080008'),
    patientOrientation: values(d, '00200020'),
    patientAgeYears: patientAgeYears(dictString(d, '00101010'), dictString(d, '00100030'), dictString(d, '00080020')),
    rows: num(d, '00280010'),
    columns: num(d, '00280011'),
    photometric: upper(d, '00280004'),
    description,
    voiLut: readVoiLut(d),
  };
}
