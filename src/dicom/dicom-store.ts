/**
 * The DICOM metadata store: patient → study → series → instance, with the tags triage needs.
 * Implemented over the Db seam (SQLite or PostgreSQL); one contract suite covers both.
 * Other domains read studies and instances only through this interface.
 */
export interface InstanceRecord {
  sopInstanceUid: string;
  sopClassUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  instanceNumber: number | null;
  transferSyntaxUid: string;
  /** Path of the stored file, relative to the instance file store's root. */
  filePath: string;
  sizeBytes: number;
  sha256: string;
  rows: number | null;
  columns: number | null;
  /** ImageType (0008,0008), backslash-joined. */
  imageType: string | null;
  receivedAt: number;
}

export interface SeriesRecord {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  modality: string | null;
  bodyPartExamined: string | null;
  viewPosition: string | null;
  seriesNumber: number | null;
  seriesDescription: string | null;
  seriesDate: string | null;
  seriesTime: string | null;
  manufacturer: string | null;
  manufacturerModelName: string | null;
  stationName: string | null;
  institutionName: string | null;
  numberOfInstances: number;
}

export type PatientSex = 'M' | 'F' | 'O' | null;

export interface StudyRecord {
  studyInstanceUid: string;
  patientKey: string;
  patientId: string | null;
  patientName: string | null;
  patientSex: PatientSex;
  patientBirthDate: string | null;
  /** PatientAge (0010,1010) as sent, e.g. "045Y". */
  patientAge: string | null;
  accessionNumber: string | null;
  studyDate: string | null;
  studyTime: string | null;
  studyDescription: string | null;
  /** Modalities in the study, e.g. ["DX"]. */
  modalities: string[];
  referringPhysicianName: string | null;
  institutionName: string | null;
  /** RequestedProcedurePriority (0040,1003): STAT, HIGH, ROUTINE, MEDIUM, LOW; null when absent. */
  requestedProcedurePriority: string | null;
  /** Where the patient is: from CurrentPatientLocation (0038,0300) or AdmissionID context; raw. */
  patientLocation: string | null;
  numberOfSeries: number;
  numberOfInstances: number;
  firstReceivedAt: number;
  lastReceivedAt: number;
  /** 'receiving' until the quiet period passes, then 'complete'. */
  completeness: 'receiving' | 'complete';
  completedAt: number | null;
}

export interface StudyFilter {
  patientId?: string;
  accessionNumber?: string;
  studyInstanceUid?: string;
  modality?: string;
  /** Inclusive DICOM dates YYYYMMDD. */
  studyDateFrom?: string;
  studyDateTo?: string;
  limit?: number;
  offset?: number;
}

export interface DicomStore {
  getStudy(studyInstanceUid: string): Promise<StudyRecord | undefined>;
  findStudies(filter: StudyFilter): Promise<StudyRecord[]>;
  listSeries(studyInstanceUid: string): Promise<SeriesRecord[]>;
  listInstances(studyInstanceUid: string, seriesInstanceUid?: string): Promise<InstanceRecord[]>;
  getInstance(sopInstanceUid: string): Promise<InstanceRecord | undefined>;
}

/** Reads stored instance bytes exactly as received. */
export interface InstanceFiles {
  read(instance: Pick<InstanceRecord, 'filePath'>): Promise<Buffer>;
  /** Absolute path of a stored instance (for tools that need a file). */
  absolutePath(instance: Pick<InstanceRecord, 'filePath'>): string;
}
