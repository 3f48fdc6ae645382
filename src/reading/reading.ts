/**
 * A radiologist's reading of one study: verdicts on each AI finding, an overall verdict,
 * findings the AI missed, and the structured report. Only a person signs: the AI never
 * finalises a report. Shared with the web app (type-only imports).
 */
export type Verdict = 'agree' | 'disagree' | 'uncertain';
export const VERDICTS: readonly Verdict[] = ['agree', 'disagree', 'uncertain'];

export type ReadingStatus = 'draft' | 'signed';

export interface FindingVerdict {
  findingKey: string;
  verdict: Verdict;
  comment: string;
  /** The AI's probability for this finding, and whether it passed its default operating point. */
  probability: number | null;
  aiPositive: boolean;
  recordedAt: number;
}

/** The structured report: sections a chest X-ray report has. Pre-filled, then edited, then signed. */
export interface StructuredReport {
  technique: string;
  findings: string;
  impression: string;
}

export interface SignOverride {
  reason: string;
  /** Keys of the AI-positive findings that had no verdict when signed. */
  unverified: string[];
  at: number;
}

/**
 * An image the viewer could not show. Signing is refused until the reader confirms they read the
 * study elsewhere (another viewer, PACS); both the failure and the confirmation are recorded.
 */
export interface ImageProblem {
  reason: string;
  at: number;
  readElsewhere: boolean;
  readElsewhereAt: number | null;
}

export interface Reading {
  id: string;
  studyInstanceUid: string;
  readerId: string;
  readerName: string;
  /** The inference result the verdicts refer to, with its model; null when the study had no AI result. */
  resultId: string | null;
  modelId: string | null;
  modelVersion: string | null;
  status: ReadingStatus;
  overall: Verdict | null;
  /** Finding keys the reader found and the AI did not flag. */
  missedFindings: string[];
  verdicts: FindingVerdict[];
  report: StructuredReport;
  /** True once the reader typed in the report text: pre-fill stops overwriting it. */
  reportEdited: boolean;
  /**
   * Set when the reader signed while AI-positive findings had no verdict: a deliberate override,
   * with their reason and the findings left without a verdict. Null for an ordinary signature.
   */
  signOverride: SignOverride | null;
  /** Set when an image of the study failed to load or decode in the viewer. */
  imageProblem: ImageProblem | null;
  openedAt: number;
  signedAt: number | null;
  /** Open → sign, for turnaround analytics. */
  readingMs: number | null;
  updatedAt: number;
}

/** Text added to a signed report by a radiologist; the signed report itself never changes. */
export interface Addendum {
  id: string;
  readingId: string;
  studyInstanceUid: string;
  readerName: string;
  text: string;
  signedAt: number;
}

export const COMMUNICATION_METHODS = ['phone', 'in-person', 'secure-message', 'page'] as const;
export type CommunicationMethod = (typeof COMMUNICATION_METHODS)[number];

/**
 * One communication of a critical result (ACR Practice Parameter for Communication of Diagnostic
 * Imaging Findings, 2020): the finding, who was told and in what role, how, when, and who
 * acknowledged receipt (read-back). Recorded by the radiologist who made the call.
 */
export interface CriticalCommunication {
  id: string;
  studyInstanceUid: string;
  finding: string;
  recipient: string;
  recipientRole: string;
  method: CommunicationMethod;
  communicatedAt: number;
  /** Who confirmed they received the result (read it back); null if not yet. */
  acknowledgedBy: string | null;
  recordedBy: string;
  recordedAt: number;
  note: string;
}

/** An earlier (or later) study of the same patient (PatientID within its issuer) with its report. */
export interface PriorStudy {
  studyInstanceUid: string;
  studyDate: string | null;
  studyTime: string | null;
  studyDescription: string | null;
  accessionNumber: string | null;
  modalities: string[];
  report: StructuredReport | null;
  reportSignedBy: string | null;
  reportSignedAt: number | null;
}
