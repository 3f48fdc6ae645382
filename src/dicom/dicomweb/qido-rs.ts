import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadfirstError } from '../../core/errors.ts';
import type { SeriesRecord, StudyFilter, StudyRecord } from '../dicom-store.ts';
import type { StoredInstance } from '../store/rows.ts';
import type { DicomStore } from '../dicom-store.ts';
import { dicomWebRoot } from './base-url.ts';
import { type JsonDataset, attr } from './dicom-json.ts';

type Query = Record<string, string | string[] | undefined>;

/** A QIDO-RS matching key by keyword or by tag (PS3.18 8.3.4.1: `PatientID` or `00100020`). */
function key(q: Query, keyword: string, tag: string): string | undefined {
  const v = q[keyword] ?? q[tag];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function intParam(q: Query, name: string): number | undefined {
  const s = key(q, name, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new ReadfirstError('invalid-input', `${name} must be a non-negative integer`);
  return n;
}

/** StudyDate matching: a date, or a range `from-to`, `-to`, `from-` (PS3.4 C.2.2.2.5). */
function dateRange(v: string | undefined): Pick<StudyFilter, 'studyDateFrom' | 'studyDateTo'> {
  if (v === undefined) return {};
  const m = /^(\d{8})?(-)?(\d{8})?$/.exec(v.replace(/\./g, ''));
  if (!m || (!m[1] && !m[3])) throw new ReadfirstError('invalid-input', 'StudyDate must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD');
  if (!m[2]) return { studyDateFrom: m[1], studyDateTo: m[1] };
  return { ...(m[1] ? { studyDateFrom: m[1] } : {}), ...(m[3] ? { studyDateTo: m[3] } : {}) };
}

export function studyFilter(q: Query): StudyFilter {
  const f: StudyFilter = { ...dateRange(key(q, 'StudyDate', '00080020')) };
  const set = <K extends keyof StudyFilter>(k: K, v: StudyFilter[K] | undefined): void => {
    if (v !== undefined) f[k] = v;
  };
  set('patientId', key(q, 'PatientID', '00100020'));
  set('accessionNumber', key(q, 'AccessionNumber', '00080050'));
  set('studyInstanceUid', key(q, 'StudyInstanceUID', '0020000D'));
  set('modality', key(q, 'ModalitiesInStudy', '00080061') ?? key(q, 'Modality', '00080060'));
  set('limit', intParam(q, 'limit'));
  set('offset', intParam(q, 'offset'));
  return f;
}

export function studyJson(s: StudyRecord, root: string): JsonDataset {
  return {
    '00080020': attr('DA', s.studyDate),
    '00080030': attr('TM', s.studyTime),
    '00080050': attr('SH', s.accessionNumber),
    '00080061': attr('CS', s.modalities),
    '00080090': attr('PN', s.referringPhysicianName),
    '00081030': attr('LO', s.studyDescription),
    '00081190': attr('UR', `${root}/studies/${s.studyInstanceUid}`),
    '00100010': attr('PN', s.patientName),
    '00100020': attr('LO', s.patientId),
    '00100030': attr('DA', s.patientBirthDate),
    '00100040': attr('CS', s.patientSex),
    '00101010': attr('AS', s.patientAge),
    '0020000D': attr('UI', s.studyInstanceUid),
    '00201206': attr('IS', s.numberOfSeries),
    '00201208': attr('IS', s.numberOfInstances),
    '00401003': attr('SH', s.requestedProcedurePriority),
  };
}

export function seriesJson(s: SeriesRecord, root: string): JsonDataset {
  return {
    '00080021': attr('DA', s.seriesDate),
    '00080031': attr('TM', s.seriesTime),
    '00080060': attr('CS', s.modality),
    '00080070': attr('LO', s.manufacturer),
    '0008103E': attr('LO', s.seriesDescription),
    '00081090': attr('LO', s.manufacturerModelName),
    '00081190': attr('UR', `${root}/studies/${s.studyInstanceUid}/series/${s.seriesInstanceUid}`),
    '00180015': attr('CS', s.bodyPartExamined),
    '00185101': attr('CS', s.viewPosition),
    '0020000D': attr('UI', s.studyInstanceUid),
    '0020000E': attr('UI', s.seriesInstanceUid),
    '00200011': attr('IS', s.seriesNumber),
    '00201209': attr('IS', s.numberOfInstances),
  };
}

export function instanceJson(i: StoredInstance, root: string): JsonDataset {
  return {
    '00080016': attr('UI', i.sopClassUid),
    '00080018': attr('UI', i.sopInstanceUid),
    '00081190': attr('UR', `${root}/studies/${i.studyInstanceUid}/series/${i.seriesInstanceUid}/instances/${i.sopInstanceUid}`),
    '00083002': attr('UI', i.transferSyntaxUid),
    '0020000D': attr('UI', i.studyInstanceUid),
    '0020000E': attr('UI', i.seriesInstanceUid),
    '00200013': attr('IS', i.instanceNumber),
    '00280008': attr('IS', i.numberOfFrames),
    '00280010': attr('US', i.rows),
    '00280011': attr('US', i.columns),
  };
}

function send(reply: FastifyReply, body: JsonDataset[]): FastifyReply {
  return reply.header('content-type', 'application/dicom+json').send(body);
}

/** QIDO-RS (PS3.18 10.6): studies, series of a study, instances of a study or series. */
export function qidoHandlers(store: DicomStore, publicUrl: string) {
  return {
    studies: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const studies = await store.findStudies(studyFilter(req.query as Query));
      return send(reply, studies.map((s) => studyJson(s, root)));
    },
    series: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const { study } = req.params as { study: string };
      const q = req.query as Query;
      const modality = key(q, 'Modality', '00080060');
      const uid = key(q, 'SeriesInstanceUID', '0020000E');
      const all = await store.listSeries(study);
      const matched = all.filter((s) => (modality === undefined || s.modality === modality) && (uid === undefined || s.seriesInstanceUid === uid));
      return send(reply, matched.map((s) => seriesJson(s, root)));
    },
    instances: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const { study, series } = req.params as { study: string; series?: string };
      const q = req.query as Query;
      const uid = key(q, 'SOPInstanceUID', '00080018');
      const cls = key(q, 'SOPClassUID', '00080016');
      const all = await store.listInstances(study, series);
      const matched = all.filter((i) => (uid === undefined || i.sopInstanceUid === uid) && (cls === undefined || i.sopClassUid === cls));
      const offset = intParam(q, 'offset') ?? 0;
      const limit = intParam(q, 'limit') ?? matched.length;
      return send(reply, matched.slice(offset, offset + limit).map((i) => instanceJson(i, root)));
    },
  };
}
