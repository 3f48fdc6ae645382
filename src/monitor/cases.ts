import { patientAgeYears } from '../dicom/parse/patient-age.ts';
import type { InferenceResult } from '../inference/result.ts';
import type { Db, SqlValue } from '../store/db.ts';
import { GroundTruthStore, type StudyTruth, type TruthLabel, type TruthSource } from './ground-truth.ts';

/** The attributes a subgroup audit splits on (PS3.3 C.7.1.1 patient, C.7.3.1 series, C.7.5.1 equipment). */
export interface CaseAttributes {
  sex: string | null;
  ageYears: number | null;
  manufacturer: string | null;
  manufacturerModel: string | null;
  station: string | null;
  institution: string | null;
  view: string | null;
  /** Configured extra DICOM tags (keyword → value). */
  tags: Record<string, string>;
}

/**
 * One study as one model version read it, with its ground truth: the unit every metric counts.
 * A study's probability is the highest over its analysed images (for no_finding, the lowest:
 * a study is normal only when every image is).
 */
export interface MonitorCase {
  studyUid: string;
  /** Cluster for bootstrap resampling: images and studies of one patient are not independent. */
  patientKey: string;
  model: { id: string; version: string; shadow: boolean };
  /** Epoch ms of the (first) result. */
  at: number;
  status: 'analysed' | 'not-analysable';
  gateReasons: string[];
  probs: Record<string, number>;
  /** Findings the model card claims (shown and used for triage); the others are monitored only. */
  claimed: string[];
  /** Operating points as the model card gave them on the stored result. */
  points: Record<string, { name: string; threshold: number; sensitivity: number; specificity: number }[]>;
  attrs: CaseAttributes;
  /** Input statistics per analysed image: size and the gate's pixel measures. */
  inputs: { rows: number | null; columns: number | null; measures: Record<string, number> }[];
  truth: StudyTruth;
}

export interface CaseQuery {
  from: number;
  to: number;
  modelId?: string | undefined;
  modelVersion?: string | undefined;
  prefer?: TruthSource;
  /** Reads configured extra tags from a stored instance (file path relative to the file store). */
  readTags?: ((filePath: string) => Promise<Record<string, string>>) | undefined;
}

interface JoinedRow extends Record<string, unknown> {
  body: string;
  file_path: string | null;
  pixel_rows: number | string | null;
  pixel_columns: number | string | null;
  view_position: string | null;
  manufacturer: string | null;
  manufacturer_model_name: string | null;
  station_name: string | null;
  series_institution: string | null;
  study_institution: string | null;
  patient_age: string | null;
  study_date: string | null;
  patient_key: string | null;
  patient_sex: string | null;
  patient_birth_date: string | null;
}

const NO_FINDING = 'no_finding';
const clean = (v: string | null | undefined): string | null => (v && v.trim() !== '' ? v.trim() : null);

/**
 * Loads the model results in [from, to) as cases, joined with the DICOM header columns the audit
 * needs and with the studies' ground truth. Results with no model (no-model, failed) are not cases.
 */
export async function loadCases(db: Db, q: CaseQuery): Promise<MonitorCase[]> {
  const params: SqlValue[] = [q.from, q.to];
  let filter = '';
  if (q.modelId) filter += ` AND r.model_id = $${params.push(q.modelId)}`;
  if (q.modelVersion) filter += ` AND r.model_version = $${params.push(q.modelVersion)}`;
  const rows = await db.query<JoinedRow>(
    `SELECT r.body, i.file_path, i.pixel_rows, i.pixel_columns, se.view_position, se.manufacturer, se.manufacturer_model_name, se.station_name,
            se.institution_name AS series_institution, st.institution_name AS study_institution, st.patient_age, st.study_date,
            st.patient_key, p.patient_sex, p.patient_birth_date
     FROM inference_result r
     LEFT JOIN dicom_instance i ON i.sop_instance_uid = r.sop_instance_uid
     LEFT JOIN dicom_series se ON se.series_uid = r.series_instance_uid
     LEFT JOIN dicom_study st ON st.study_uid = r.study_instance_uid
     LEFT JOIN dicom_patient p ON p.patient_key = st.patient_key
     WHERE r.created_at >= $1 AND r.created_at < $2 AND r.status IN ('analysed', 'not-analysable') AND r.model_id IS NOT NULL${filter}
     ORDER BY r.created_at, r.id`,
    params,
  );
  const cases = new Map<string, MonitorCase>();
  for (const row of rows) {
    const r = JSON.parse(row.body) as InferenceResult;
    if (!r.model) continue;
    const key = `${r.studyInstanceUid}|${r.model.modelId}|${r.model.modelVersion}`;
    let c = cases.get(key);
    if (!c) {
      c = {
        studyUid: r.studyInstanceUid,
        patientKey: row.patient_key ?? r.studyInstanceUid,
        model: { id: r.model.modelId, version: r.model.modelVersion, shadow: r.model.shadow },
        at: r.createdAt,
        status: 'not-analysable',
        gateReasons: [],
        probs: {},
        claimed: [],
        points: {},
        attrs: {
          sex: clean(row.patient_sex)?.toUpperCase() ?? null,
          ageYears: patientAgeYears(row.patient_age, row.patient_birth_date, row.study_date),
          manufacturer: clean(row.manufacturer),
          manufacturerModel: clean(row.manufacturer_model_name),
          station: clean(row.station_name),
          institution: clean(row.series_institution) ?? clean(row.study_institution),
          view: clean(row.view_position)?.toUpperCase() ?? null,
          tags: q.readTags && row.file_path ? await q.readTags(row.file_path).catch(() => ({})) : {},
        },
        inputs: [],
        truth: new Map<string, TruthLabel>(),
      };
      cases.set(key, c);
    }
    if (r.status === 'not-analysable') {
      c.gateReasons.push(r.gate?.reason ?? 'unknown');
      continue;
    }
    c.status = 'analysed';
    c.inputs.push({
      rows: row.pixel_rows === null ? null : Number(row.pixel_rows),
      columns: row.pixel_columns === null ? null : Number(row.pixel_columns),
      measures: r.gate?.measures ?? {},
    });
    for (const f of r.findings) if (!c.claimed.includes(f.key)) c.claimed.push(f.key);
    for (const f of [...r.findings, ...(r.unclaimedFindings ?? [])]) {
      const had = c.probs[f.key];
      c.probs[f.key] =
        had === undefined ? f.probability : f.key === NO_FINDING ? Math.min(had, f.probability) : Math.max(had, f.probability);
      c.points[f.key] ??= f.decisions.map((d) => ({
        name: d.name,
        threshold: d.threshold,
        sensitivity: d.sensitivity,
        specificity: d.specificity,
      }));
    }
  }
  const list = [...cases.values()];
  const truth = await new GroundTruthStore(db).truthFor([...new Set(list.map((c) => c.studyUid))], q.prefer ?? 'import');
  for (const c of list) c.truth = truth.get(c.studyUid) ?? new Map<string, TruthLabel>();
  return list;
}
