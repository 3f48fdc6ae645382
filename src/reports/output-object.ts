import type { OutputKind } from './model-analysis.ts';

/** One DICOM object readfirst wrote for a study, ready for the outbox and `readfirst analyse`. */
export interface OutputObject {
  kind: OutputKind;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  /** The Part-10 file. */
  bytes: Buffer;
  /** What it is, for logs and the summary (never patient data). */
  description: string;
}
