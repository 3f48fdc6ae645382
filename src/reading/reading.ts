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
