import type { RejectReason } from '../parse/reject.ts';

/** DIMSE C-STORE status and STOW-RS FailureReason share these codes (PS3.4 B.2.3, PS3.18 10.5.3). */
export const Status = {
  Success: 0x0000,
  OutOfResources: 0xa700,
  DataSetDoesNotMatchSopClass: 0xa900,
  CannotUnderstand: 0xc000,
  TransferSyntaxNotSupported: 0xc122,
} as const;

/** The failure status for a refused upload. */
export function rejectStatus(reason: RejectReason | 'failed'): number {
  switch (reason) {
    case 'missing-uid':
    case 'invalid-uid':
      return Status.DataSetDoesNotMatchSopClass;
    case 'unsupported-syntax':
      return Status.TransferSyntaxNotSupported;
    case 'too-large':
    case 'too-many-elements':
      return Status.OutOfResources;
    case 'too-deep':
    case 'pixel-mismatch':
      return Status.CannotUnderstand;
    case 'failed':
      return Status.OutOfResources;
    case 'not-dicom':
    case 'missing-preamble':
    case 'truncated':
    case 'wrong-length':
      return Status.CannotUnderstand;
  }
}
