import type { SeriesRecord, StudyRecord } from '../dicom-store.ts';
import type { QidoKeyword, QidoLevel } from '../store/qido-search.ts';
import type { StoredInstance } from '../store/rows.ts';
import { type JsonAttr, attr } from './dicom-json.ts';

/** What a QIDO-RS response attribute is computed from. */
export interface QidoRecord {
  study: StudyRecord;
  series?: SeriesRecord;
  instance?: StoredInstance;
  /** The DICOMweb root, for Retrieve URL (0008,1190). */
  root: string;
}

/** How a matching key's value is parsed (PS3.4 C.2.2.2), by VR. */
export type MatchKind = 'uid' | 'string' | 'pn' | 'date' | 'time' | 'integer' | 'modalities';

export interface QidoAttribute {
  keyword: string;
  /** Tag as 8 upper-case hex digits, as in DICOM JSON. */
  tag: string;
  vr: string;
  level: QidoLevel;
  /** Returned without includefield (PS3.18 Tables 10.6.3-3/-4/-5). */
  byDefault: boolean;
  /** Present when the attribute can be a matching key. */
  match?: { kind: MatchKind; keyword: QidoKeyword };
  value(r: QidoRecord): JsonAttr;
}

type Def = Omit<QidoAttribute, 'match' | 'value'> & {
  match?: MatchKind;
  get: (r: QidoRecord) => string | number | null | undefined | readonly string[];
};

const studyUrl = (r: QidoRecord): string => `${r.root}/studies/${r.study.studyInstanceUid}`;
const seriesUrl = (r: QidoRecord): string => `${studyUrl(r)}/series/${r.series?.seriesInstanceUid ?? ''}`;

const DEFS: Def[] = [
  // Study level (Table 10.6.3-3; optional ones via includefield).
  { keyword: 'StudyDate', tag: '00080020', vr: 'DA', level: 'study', byDefault: true, match: 'date', get: (r) => r.study.studyDate },
  { keyword: 'StudyTime', tag: '00080030', vr: 'TM', level: 'study', byDefault: true, match: 'time', get: (r) => r.study.studyTime },
  {
    keyword: 'AccessionNumber',
    tag: '00080050',
    vr: 'SH',
    level: 'study',
    byDefault: true,
    match: 'string',
    get: (r) => r.study.accessionNumber,
  },
  { keyword: 'InstanceAvailability', tag: '00080056', vr: 'CS', level: 'study', byDefault: true, get: () => 'ONLINE' },
  {
    keyword: 'ModalitiesInStudy',
    tag: '00080061',
    vr: 'CS',
    level: 'study',
    byDefault: true,
    match: 'modalities',
    get: (r) => r.study.modalities,
  },
  {
    keyword: 'ReferringPhysicianName',
    tag: '00080090',
    vr: 'PN',
    level: 'study',
    byDefault: true,
    match: 'pn',
    get: (r) => r.study.referringPhysicianName,
  },
  { keyword: 'RetrieveURL', tag: '00081190', vr: 'UR', level: 'study', byDefault: true, get: studyUrl },
  {
    keyword: 'StudyDescription',
    tag: '00081030',
    vr: 'LO',
    level: 'study',
    byDefault: false,
    match: 'string',
    get: (r) => r.study.studyDescription,
  },
  { keyword: 'InstitutionName', tag: '00080080', vr: 'LO', level: 'study', byDefault: false, get: (r) => r.study.institutionName },
  { keyword: 'PatientName', tag: '00100010', vr: 'PN', level: 'study', byDefault: true, match: 'pn', get: (r) => r.study.patientName },
  { keyword: 'PatientID', tag: '00100020', vr: 'LO', level: 'study', byDefault: true, match: 'string', get: (r) => r.study.patientId },
  {
    keyword: 'PatientBirthDate',
    tag: '00100030',
    vr: 'DA',
    level: 'study',
    byDefault: true,
    match: 'date',
    get: (r) => r.study.patientBirthDate,
  },
  { keyword: 'PatientSex', tag: '00100040', vr: 'CS', level: 'study', byDefault: true, match: 'string', get: (r) => r.study.patientSex },
  { keyword: 'PatientAge', tag: '00101010', vr: 'AS', level: 'study', byDefault: false, get: (r) => r.study.patientAge },
  {
    keyword: 'StudyInstanceUID',
    tag: '0020000D',
    vr: 'UI',
    level: 'study',
    byDefault: true,
    match: 'uid',
    get: (r) => r.study.studyInstanceUid,
  },
  { keyword: 'NumberOfStudyRelatedSeries', tag: '00201206', vr: 'IS', level: 'study', byDefault: true, get: (r) => r.study.numberOfSeries },
  {
    keyword: 'NumberOfStudyRelatedInstances',
    tag: '00201208',
    vr: 'IS',
    level: 'study',
    byDefault: true,
    get: (r) => r.study.numberOfInstances,
  },
  {
    keyword: 'RequestedProcedurePriority',
    tag: '00401003',
    vr: 'SH',
    level: 'study',
    byDefault: false,
    get: (r) => r.study.requestedProcedurePriority,
  },
  // Series level (Table 10.6.3-4).
  { keyword: 'Modality', tag: '00080060', vr: 'CS', level: 'series', byDefault: true, match: 'string', get: (r) => r.series?.modality },
  {
    keyword: 'SeriesDescription',
    tag: '0008103E',
    vr: 'LO',
    level: 'series',
    byDefault: true,
    match: 'string',
    get: (r) => r.series?.seriesDescription,
  },
  {
    keyword: 'SeriesInstanceUID',
    tag: '0020000E',
    vr: 'UI',
    level: 'series',
    byDefault: true,
    match: 'uid',
    get: (r) => r.series?.seriesInstanceUid,
  },
  {
    keyword: 'SeriesNumber',
    tag: '00200011',
    vr: 'IS',
    level: 'series',
    byDefault: true,
    match: 'integer',
    get: (r) => r.series?.seriesNumber,
  },
  {
    keyword: 'NumberOfSeriesRelatedInstances',
    tag: '00201209',
    vr: 'IS',
    level: 'series',
    byDefault: true,
    get: (r) => r.series?.numberOfInstances,
  },
  { keyword: 'SeriesDate', tag: '00080021', vr: 'DA', level: 'series', byDefault: false, get: (r) => r.series?.seriesDate },
  { keyword: 'SeriesTime', tag: '00080031', vr: 'TM', level: 'series', byDefault: false, get: (r) => r.series?.seriesTime },
  { keyword: 'Manufacturer', tag: '00080070', vr: 'LO', level: 'series', byDefault: false, get: (r) => r.series?.manufacturer },
  {
    keyword: 'ManufacturerModelName',
    tag: '00081090',
    vr: 'LO',
    level: 'series',
    byDefault: false,
    get: (r) => r.series?.manufacturerModelName,
  },
  {
    keyword: 'BodyPartExamined',
    tag: '00180015',
    vr: 'CS',
    level: 'series',
    byDefault: false,
    match: 'string',
    get: (r) => r.series?.bodyPartExamined,
  },
  { keyword: 'ViewPosition', tag: '00185101', vr: 'CS', level: 'series', byDefault: false, get: (r) => r.series?.viewPosition },
  // Instance level (Table 10.6.3-5).
  {
    keyword: 'SOPClassUID',
    tag: '00080016',
    vr: 'UI',
    level: 'instance',
    byDefault: true,
    match: 'uid',
    get: (r) => r.instance?.sopClassUid,
  },
  {
    keyword: 'SOPInstanceUID',
    tag: '00080018',
    vr: 'UI',
    level: 'instance',
    byDefault: true,
    match: 'uid',
    get: (r) => r.instance?.sopInstanceUid,
  },
  {
    keyword: 'InstanceNumber',
    tag: '00200013',
    vr: 'IS',
    level: 'instance',
    byDefault: true,
    match: 'integer',
    get: (r) => r.instance?.instanceNumber,
  },
  { keyword: 'Rows', tag: '00280010', vr: 'US', level: 'instance', byDefault: true, get: (r) => r.instance?.rows },
  { keyword: 'Columns', tag: '00280011', vr: 'US', level: 'instance', byDefault: true, get: (r) => r.instance?.columns },
  { keyword: 'NumberOfFrames', tag: '00280008', vr: 'IS', level: 'instance', byDefault: true, get: (r) => r.instance?.numberOfFrames },
  {
    keyword: 'AvailableTransferSyntaxUID',
    tag: '00083002',
    vr: 'UI',
    level: 'instance',
    byDefault: true,
    get: (r) => r.instance?.transferSyntaxUid,
  },
];

/** Retrieve URL differs by level: the resource the row stands for. */
function retrieveUrl(r: QidoRecord, level: QidoLevel): string {
  if (level === 'study') return studyUrl(r);
  if (level === 'series') return seriesUrl(r);
  return `${seriesUrl(r)}/instances/${r.instance?.sopInstanceUid ?? ''}`;
}

export const QIDO_ATTRIBUTES: readonly QidoAttribute[] = DEFS.map((d) => ({
  keyword: d.keyword,
  tag: d.tag,
  vr: d.vr,
  level: d.level,
  byDefault: d.byDefault,
  ...(d.match ? { match: { kind: d.match, keyword: d.keyword as QidoKeyword } } : {}),
  value: (r: QidoRecord) => attr(d.vr, d.get(r)),
}));

const BY_NAME = new Map<string, QidoAttribute>();
for (const a of QIDO_ATTRIBUTES) {
  BY_NAME.set(a.keyword.toLowerCase(), a);
  BY_NAME.set(a.tag, a);
}

/** An attribute by keyword (case-insensitive) or by tag (`00100010` or `0010,0010`); undefined when readfirst does not know it. */
export function qidoAttribute(name: string): QidoAttribute | undefined {
  const n = name.trim();
  return BY_NAME.get(n.replace(/[(),]/g, '').toUpperCase()) ?? BY_NAME.get(n.toLowerCase());
}

const LEVEL_DEPTH: Record<QidoLevel, number> = { study: 0, series: 1, instance: 2 };

/** Attributes a search at `level` may return and match on: its own level and those above (PS3.18 10.6.1.2, relational). */
export function attributesFor(level: QidoLevel): QidoAttribute[] {
  return QIDO_ATTRIBUTES.filter((a) => LEVEL_DEPTH[a.level] <= LEVEL_DEPTH[level]);
}

/** One response dataset: the level's defaults, the matching keys and the included fields, keyed by tag in order. */
export function responseDataset(r: QidoRecord, level: QidoLevel, returned: ReadonlySet<QidoAttribute>): Record<string, JsonAttr> {
  const out: Record<string, JsonAttr> = {};
  const list = [...returned].sort((a, b) => (a.tag < b.tag ? -1 : 1));
  for (const a of list) out[a.tag] = a.keyword === 'RetrieveURL' ? attr('UR', retrieveUrl(r, level)) : a.value(r);
  return out;
}
