import type { Db } from '../../store/db.ts';
import type { InstanceWrite } from './instance-write.ts';

/** Fills a null with the newer value; keeps what an earlier instance set. */
const keep = (table: string, col: string): string => `${col} = COALESCE(${table}.${col}, excluded.${col})`;

/**
 * Upserts patient, study and series and inserts the instance, in the caller's transaction.
 * Returns false when the SOP instance was already stored (idempotent re-send): nothing changes.
 * A new instance marks its study 'receiving' again (re-opening a completed study).
 */
export async function recordInstance(tx: Db, w: InstanceWrite): Promise<boolean> {
  const { patient: p, study: s, series: se, instance: i } = w;
  const exists = await tx.query('SELECT 1 AS x FROM dicom_instance WHERE sop_instance_uid = $1', [i.sopInstanceUid]);
  if (exists.length > 0) return false;
  await tx.run(
    `INSERT INTO dicom_patient (patient_key, patient_id, issuer_of_patient_id, patient_name, patient_sex, patient_birth_date, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (patient_key) DO UPDATE SET ${['patient_name', 'patient_sex', 'patient_birth_date'].map((c) => keep('dicom_patient', c)).join(', ')}, updated_at = excluded.updated_at`,
    [p.patientKey, p.patientId, p.issuerOfPatientId, p.patientName, p.patientSex, p.patientBirthDate, i.receivedAt],
  );
  const studyCols = [
    'patient_age',
    'accession_number',
    'study_date',
    'study_time',
    'study_description',
    'referring_physician_name',
    'institution_name',
    'requested_procedure_priority',
    'patient_location',
  ];
  await tx.run(
    `INSERT INTO dicom_study (study_uid, patient_key, ${studyCols.join(', ')}, first_received_at, last_received_at, completeness, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 'receiving', NULL)
     ON CONFLICT (study_uid) DO UPDATE SET ${studyCols.map((c) => keep('dicom_study', c)).join(', ')},
       last_received_at = CASE WHEN excluded.last_received_at > dicom_study.last_received_at THEN excluded.last_received_at ELSE dicom_study.last_received_at END,
       completeness = 'receiving'`,
    [
      s.studyInstanceUid,
      p.patientKey,
      s.patientAge,
      s.accessionNumber,
      s.studyDate,
      s.studyTime,
      s.studyDescription,
      s.referringPhysicianName,
      s.institutionName,
      s.requestedProcedurePriority,
      s.patientLocation,
      i.receivedAt,
    ],
  );
  const seriesCols = [
    'modality',
    'body_part_examined',
    'view_position',
    'series_number',
    'series_description',
    'series_date',
    'series_time',
    'manufacturer',
    'manufacturer_model_name',
    'station_name',
    'institution_name',
  ];
  await tx.run(
    `INSERT INTO dicom_series (series_uid, study_uid, ${seriesCols.join(', ')})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (series_uid) DO UPDATE SET ${seriesCols.map((c) => keep('dicom_series', c)).join(', ')}`,
    [
      se.seriesInstanceUid,
      se.studyInstanceUid,
      se.modality,
      se.bodyPartExamined,
      se.viewPosition,
      se.seriesNumber,
      se.seriesDescription,
      se.seriesDate,
      se.seriesTime,
      se.manufacturer,
      se.manufacturerModelName,
      se.stationName,
      se.institutionName,
    ],
  );
  const n = await tx.run(
    `INSERT INTO dicom_instance (sop_instance_uid, sop_class_uid, series_uid, study_uid, instance_number, transfer_syntax_uid, file_path, size_bytes, sha256, pixel_rows, pixel_columns, number_of_frames, image_type, received_at, received_via)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (sop_instance_uid) DO NOTHING`,
    [
      i.sopInstanceUid,
      i.sopClassUid,
      i.seriesInstanceUid,
      i.studyInstanceUid,
      i.instanceNumber,
      i.transferSyntaxUid,
      i.filePath,
      i.sizeBytes,
      i.sha256,
      i.rows,
      i.columns,
      i.numberOfFrames,
      i.imageType,
      i.receivedAt,
      i.via,
    ],
  );
  return n > 0;
}
