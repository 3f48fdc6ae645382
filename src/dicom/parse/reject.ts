/**
 * Why an upload was refused and quarantined. Each maps to a DIMSE status (PS3.4 Table B.2-1)
 * and a STOW-RS FailureReason (PS3.18 Table 10.5.3-1) in `status.ts`.
 */
export type RejectReason =
  | 'not-dicom'
  | 'missing-preamble'
  | 'truncated'
  | 'wrong-length'
  | 'missing-uid'
  | 'invalid-uid'
  | 'unsupported-syntax'
  | 'too-deep'
  | 'too-many-elements'
  | 'too-large'
  | 'pixel-mismatch';

/** A structural or content problem found while reading an upload; it sends the bytes to quarantine. */
export class DicomRejectError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'DicomRejectError';
  }
}
