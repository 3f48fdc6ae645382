import type { IngestChannel } from '../../events/types.ts';
import type { InstanceRecord, PatientSex, SeriesRecord, StudyRecord } from '../dicom-store.ts';

/** Everything one stored instance contributes to the patient, study, series and instance rows. */
export interface InstanceWrite {
  patient: {
    patientKey: string;
    patientId: string | null;
    issuerOfPatientId: string | null;
    patientName: string | null;
    patientSex: PatientSex;
    patientBirthDate: string | null;
  };
  study: Pick<
    StudyRecord,
    | 'studyInstanceUid'
    | 'patientAge'
    | 'accessionNumber'
    | 'studyDate'
    | 'studyTime'
    | 'studyDescription'
    | 'referringPhysicianName'
    | 'institutionName'
    | 'requestedProcedurePriority'
    | 'patientLocation'
  >;
  series: Omit<SeriesRecord, 'numberOfInstances'>;
  instance: InstanceRecord & { numberOfFrames: number | null; via: IngestChannel };
}
