import type { UrgencyClass } from '../events/types.ts';

export type ReadingState = 'unread' | 'in-progress' | 'read' | 'addended';

/** UPS priority (IHE AIW-I / DICOM PS3.4 CC.2.5): urgency mapped for UPS-RS. */
export type UpsPriority = 'HIGH' | 'MEDIUM' | 'LOW';

/** The study's descriptive attributes (from its DICOM header and sending site), shown and filtered on. */
export interface StudyAttributes {
  modality: string | null;
  site: string | null;
  patientSex: string | null;
  patientAge: string | null;
  studyDescription: string | null;
  accessionNumber: string | null;
  patientName: string | null;
  patientId: string | null;
}

/** One row of the radiologists' worklist, as the API and the web app see it. */
export interface WorklistItem extends StudyAttributes {
  studyInstanceUid: string;
  urgency: UrgencyClass;
  /** Higher reads first. Kept in the store with an index. */
  score: number;
  /** Readable explanation, e.g. "Pneumothorax 0.93 ≥ 0.71 (high-sensitivity) → critical". */
  reason: string;
  upsPriority: UpsPriority;
  orderPriority: string | null;
  aiStatus: 'pending' | 'analysed' | 'not-analysable' | 'no-model' | 'failed';
  modelId: string | null;
  modelVersion: string | null;
  state: ReadingState;
  claimedBy: string | null;
  claimExpiresAt: number | null;
  arrivedAt: number;
  updatedAt: number;
  /** Arrival plus the class's maximum wait; past it the study is overdue and reads before newcomers. */
  dueAt: number;
  overdue: boolean;
  /** Every line behind the rank, decisive first. */
  explanation: string[];
  /** The class the AI alone gave (null before or without analysis). */
  aiUrgency: UrgencyClass | null;
  patientLocation: string | null;
}
