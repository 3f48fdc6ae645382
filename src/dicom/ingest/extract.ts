import { createHash } from 'node:crypto';
import type { IngestChannel } from '../../events/types.ts';
import type { PatientSex } from '../dicom-store.ts';
import type { ParsedInstance } from '../parse/validate.ts';
import type { InstanceWrite } from '../store/instance-write.ts';

function sex(s: string | null): PatientSex {
  return s === 'M' || s === 'F' || s === 'O' ? s : null;
}

/** PN values are kept in their Alphabetic form (PS3.5 6.2.1: components before the first '='). */
function personName(s: string | null): string | null {
  if (s === null) return null;
  const alpha = s.split('=')[0] ?? '';
  return alpha === '' ? null : alpha;
}

/**
 * The store's patient key: a hash of IssuerOfPatientID and PatientID, so it identifies the
 * patient within readfirst without carrying the identifier (safe to log). Without a PatientID
 * each study is its own patient.
 */
export function patientKey(patientId: string | null, issuer: string | null, studyUid: string): string {
  const basis = patientId === null ? `study:${studyUid}` : `pid:${issuer ?? ''}\\${patientId}`;
  return 'pk-' + createHash('sha256').update(basis).digest('hex').slice(0, 32);
}

/** Maps a validated instance to the rows it contributes (PS3.3 C.7 patient, study, series, image modules). */
export function toInstanceWrite(
  p: ParsedInstance,
  file: { filePath: string; sizeBytes: number; sha256: string },
  via: IngestChannel,
  receivedAt: number,
): InstanceWrite {
  const t = p.tags;
  const patientId = t.string('PatientID');
  const issuer = t.string('IssuerOfPatientID');
  const institution = t.string('InstitutionName');
  return {
    patient: {
      patientKey: patientKey(patientId, issuer, p.studyInstanceUid),
      patientId,
      issuerOfPatientId: issuer,
      patientName: personName(t.string('PatientName')),
      patientSex: sex(t.string('PatientSex')),
      patientBirthDate: t.string('PatientBirthDate'),
    },
    study: {
      studyInstanceUid: p.studyInstanceUid,
      patientAge: t.string('PatientAge'),
      accessionNumber: t.string('AccessionNumber'),
      studyDate: t.string('StudyDate'),
      studyTime: t.string('StudyTime'),
      studyDescription: t.string('StudyDescription'),
      referringPhysicianName: personName(t.string('ReferringPhysicianName')),
      institutionName: institution,
      requestedProcedurePriority: t.string('RequestedProcedurePriority')?.toUpperCase() ?? null,
      patientLocation: t.string('CurrentPatientLocation'),
    },
    series: {
      seriesInstanceUid: p.seriesInstanceUid,
      studyInstanceUid: p.studyInstanceUid,
      modality: t.string('Modality'),
      bodyPartExamined: t.string('BodyPartExamined'),
      viewPosition: t.string('ViewPosition'),
      seriesNumber: t.number('SeriesNumber'),
      seriesDescription: t.string('SeriesDescription'),
      seriesDate: t.string('SeriesDate'),
      seriesTime: t.string('SeriesTime'),
      manufacturer: t.string('Manufacturer'),
      manufacturerModelName: t.string('ManufacturerModelName'),
      stationName: t.string('StationName'),
      institutionName: institution,
    },
    instance: {
      sopInstanceUid: p.sopInstanceUid,
      sopClassUid: p.sopClassUid,
      seriesInstanceUid: p.seriesInstanceUid,
      studyInstanceUid: p.studyInstanceUid,
      instanceNumber: t.number('InstanceNumber'),
      transferSyntaxUid: p.transferSyntaxUid,
      filePath: file.filePath,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      rows: t.us('Rows'),
      columns: t.us('Columns'),
      numberOfFrames: t.number('NumberOfFrames'),
      imageType: t.string('ImageType'),
      receivedAt,
      via,
    },
  };
}
