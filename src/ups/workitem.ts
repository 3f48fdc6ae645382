import { ReadfirstError } from '../core/errors.ts';
import type { JsonDataset } from '../dicom/dicomweb/dicom-json.ts';

/** Procedure Step State (0074,1000), PS3.4 CC.1.1. */
export type UpsState = 'SCHEDULED' | 'IN PROGRESS' | 'COMPLETED' | 'CANCELED';
export type UpsPriorityCode = 'HIGH' | 'MEDIUM' | 'LOW';

export const TAG = {
  sopInstanceUid: '00080018',
  transactionUid: '00081195',
  studyInstanceUid: '0020000D',
  state: '00741000',
  priority: '00741200',
  label: '00741204',
  scheduledStart: '00404005',
} as const;

export interface Workitem {
  uid: string;
  state: UpsState;
  priority: UpsPriorityCode;
  studyInstanceUid: string | null;
  transactionUid: string | null;
  dataset: JsonDataset;
  createdAt: number;
  updatedAt: number;
}

export function str(ds: JsonDataset, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The UPS state machine (PS3.4 CC.1.1, Table CC.1.1-2): SCHEDULED → IN PROGRESS (claim, with a new
 * Transaction UID) → COMPLETED or CANCELED (with that Transaction UID); SCHEDULED → CANCELED by a
 * cancel request. Anything else is refused (409), as the status codes C310/C311/C300 say.
 */
export function transition(w: Workitem, to: UpsState, transactionUid: string | undefined): Workitem {
  if (!transactionUid) throw new ReadfirstError('invalid-input', 'a state change needs the Transaction UID (0008,1195)');
  if (w.state === 'SCHEDULED' && to === 'IN PROGRESS') return { ...w, state: to, transactionUid };
  if (w.state === 'IN PROGRESS' && (to === 'COMPLETED' || to === 'CANCELED')) {
    if (w.transactionUid !== transactionUid)
      throw new ReadfirstError('conflict', 'the Transaction UID does not match the one that claimed this workitem (C301)');
    return { ...w, state: to };
  }
  if (w.state === to) throw new ReadfirstError('conflict', `the workitem is already ${to} (C${to === 'IN PROGRESS' ? '302' : '300'})`);
  throw new ReadfirstError('conflict', `a ${w.state} workitem cannot become ${to} (C310)`);
}

/** The dataset a response carries: the stored one with state, priority and (once claimed) never the Transaction UID (PS3.4 CC.2.5.1.3). */
export function publicDataset(w: Workitem): JsonDataset {
  const { [TAG.transactionUid]: _hidden, ...rest } = w.dataset;
  return {
    ...rest,
    [TAG.sopInstanceUid]: { vr: 'UI', Value: [w.uid] },
    [TAG.state]: { vr: 'CS', Value: [w.state] },
    [TAG.priority]: { vr: 'CS', Value: [w.priority] },
  };
}
