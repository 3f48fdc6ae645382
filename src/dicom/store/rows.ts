import type { InstanceRecord, PatientSex, SeriesRecord, StudyRecord } from '../dicom-store.ts';

export interface StudyRow {
  [k: string]: unknown;
  study_uid: string;
  patient_key: string;
  patient_id: string | null;
  patient_name: string | null;
  patient_sex: string | null;
  patient_birth_date: string | null;
  patient_age: string | null;
  accession_number: string | null;
  study_date: string | null;
  study_time: string | null;
  study_description: string | null;
  referring_physician_name: string | null;
  institution_name: string | null;
  requested_procedure_priority: string | null;
  patient_location: string | null;
  n_series: number;
  n_instances: number;
  first_received_at: number;
  last_received_at: number;
  completeness: string;
  completed_at: number | null;
}

export const STUDY_SELECT = `
SELECT st.*, p.patient_id, p.patient_name, p.patient_sex, p.patient_birth_date,
  (SELECT COUNT(*) FROM dicom_series se WHERE se.study_uid = st.study_uid) AS n_series,
  (SELECT COUNT(*) FROM dicom_instance i WHERE i.study_uid = st.study_uid) AS n_instances
FROM dicom_study st JOIN dicom_patient p ON p.patient_key = st.patient_key`;

function sex(s: string | null): PatientSex {
  return s === 'M' || s === 'F' || s === 'O' ? s : null;
}

export function toStudy(r: StudyRow, modalities: string[]): StudyRecord {
  return {
    studyInstanceUid: r.study_uid,
    patientKey: r.patient_key,
    patientId: r.patient_id,
    patientName: r.patient_name,
    patientSex: sex(r.patient_sex),
    patientBirthDate: r.patient_birth_date,
    patientAge: r.patient_age,
    accessionNumber: r.accession_number,
    studyDate: r.study_date,
    studyTime: r.study_time,
    studyDescription: r.study_description,
    modalities,
    referringPhysicianName: r.referring_physician_name,
    institutionName: r.institution_name,
    requestedProcedurePriority: r.requested_procedure_priority,
    patientLocation: r.patient_location,
    numberOfSeries: Number(r.n_series),
    numberOfInstances: Number(r.n_instances),
    firstReceivedAt: Number(r.first_received_at),
    lastReceivedAt: Number(r.last_received_at),
    completeness: r.completeness === 'complete' ? 'complete' : 'receiving',
    completedAt: r.completed_at === null ? null : Number(r.completed_at),
  };
}

export interface SeriesRow {
  [k: string]: unknown;
  series_uid: string;
  study_uid: string;
  modality: string | null;
  body_part_examined: string | null;
  view_position: string | null;
  series_number: number | null;
  series_description: string | null;
  series_date: string | null;
  series_time: string | null;
  manufacturer: string | null;
  manufacturer_model_name: string | null;
  station_name: string | null;
  institution_name: string | null;
  n_instances: number;
}

export function toSeries(r: SeriesRow): SeriesRecord {
  return {
    seriesInstanceUid: r.series_uid,
    studyInstanceUid: r.study_uid,
    modality: r.modality,
    bodyPartExamined: r.body_part_examined,
    viewPosition: r.view_position,
    seriesNumber: r.series_number === null ? null : Number(r.series_number),
    seriesDescription: r.series_description,
    seriesDate: r.series_date,
    seriesTime: r.series_time,
    manufacturer: r.manufacturer,
    manufacturerModelName: r.manufacturer_model_name,
    stationName: r.station_name,
    institutionName: r.institution_name,
    numberOfInstances: Number(r.n_instances),
  };
}

export interface InstanceRow {
  [k: string]: unknown;
  sop_instance_uid: string;
  sop_class_uid: string;
  series_uid: string;
  study_uid: string;
  instance_number: number | null;
  transfer_syntax_uid: string;
  file_path: string;
  size_bytes: number;
  sha256: string;
  pixel_rows: number | null;
  pixel_columns: number | null;
  number_of_frames: number | null;
  image_type: string | null;
  received_at: number;
}

/** An instance record as the store reads it. */
export type StoredInstance = InstanceRecord;

export function toInstance(r: InstanceRow): StoredInstance {
  const n = (v: number | null): number | null => (v === null ? null : Number(v));
  return {
    sopInstanceUid: r.sop_instance_uid,
    sopClassUid: r.sop_class_uid,
    seriesInstanceUid: r.series_uid,
    studyInstanceUid: r.study_uid,
    instanceNumber: n(r.instance_number),
    transferSyntaxUid: r.transfer_syntax_uid,
    filePath: r.file_path,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    rows: n(r.pixel_rows),
    columns: n(r.pixel_columns),
    numberOfFrames: n(r.number_of_frames),
    imageType: r.image_type,
    receivedAt: Number(r.received_at),
  };
}
