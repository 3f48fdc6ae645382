import type { QuarantineEntry } from '../files/quarantine.ts';
import type { InstanceWrite } from './store/instance-write.ts';

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
  /** NumberOfFrames (0028,0008); null for single-frame objects that omit it. */
  numberOfFrames: number | null;
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

/** One row of the ingest log: every upload, whatever became of it. */
export interface IngestEventWrite {
  at: number;
  via: string;
  outcome: 'stored' | 'duplicate' | 'quarantined' | 'failed';
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  sizeBytes: number;
  reason: string | null;
  source: string | null;
  durationMs: number;
}

/** A study still receiving: when its last instance came, and how often it completed before. */
export interface ReceivingStudy {
  studyInstanceUid: string;
  lastReceivedAt: number;
  generation: number;
}

/**
 * What the ingest path, journal replay, completeness and `readfirst import` need besides reading:
 * the writes of one upload and the study's completeness state. Only the dicom domain uses it.
 */
export interface DicomIngestStore extends DicomStore {
  /**
   * Records one stored instance (patient, study, series, instance rows and the ingest event).
   * The transaction commits only after `commitAfter` resolves (the bytes are durable); false
   * when the SOP instance was already recorded.
   */
  recordInstance(w: InstanceWrite, event: IngestEventWrite, commitAfter?: Promise<unknown>): Promise<boolean>;
  /** Makes every committed write durable (before a journal segment is retired). */
  makeDurable(): Promise<void>;
  recordEvent(event: IngestEventWrite): Promise<void>;
  recordQuarantine(q: QuarantineEntry, durationMs: number): Promise<void>;
  listQuarantine(
    limit?: number,
  ): Promise<Array<Pick<QuarantineEntry, 'id' | 'at' | 'via' | 'reason' | 'message' | 'filePath' | 'sopInstanceUid'>>>;
  receivingStudies(): Promise<ReceivingStudy[]>;
  /** Declares the study complete unless an instance arrived after `lastReceivedAt`. */
  markComplete(
    studyInstanceUid: string,
    lastReceivedAt: number,
    at: number,
  ): Promise<{ generation: number; instanceCount: number } | undefined>;
  importSeen(path: string, sizeBytes: number, mtimeMs: number): Promise<boolean>;
  recordImportSeen(path: string, sizeBytes: number, mtimeMs: number, outcome: string, at: number): Promise<void>;
}
