import type { UrgencyClass } from '../events/types.ts';
import { scoreOfDueAt } from './reading-order.ts';
import type { WorklistEntry } from './worklist-store.ts';

const MAX_WAIT: Record<UrgencyClass, number> = { critical: 30, urgent: 120, routine: 360, 'likely-normal': 360 };

/** A plausible worklist entry for tests and the benchmark. */
export function makeEntry(uid: string, arrivedAt: number, urgency: UrgencyClass, over: Partial<WorklistEntry> = {}): WorklistEntry {
  const dueAt = arrivedAt + MAX_WAIT[urgency] * 60_000;
  return {
    studyInstanceUid: uid,
    urgency,
    aiUrgency: urgency,
    score: scoreOfDueAt(dueAt),
    dueAt,
    reason: `test ${urgency}`,
    explanation: [`test ${urgency}`],
    upsPriority: urgency === 'critical' || urgency === 'urgent' ? 'HIGH' : urgency === 'routine' ? 'MEDIUM' : 'LOW',
    orderPriority: null,
    patientLocation: null,
    aiStatus: 'analysed',
    aiStatusReason: null,
    findings: [],
    modelId: 'tiny-cxr',
    modelVersion: '0.0.1',
    modality: 'DX',
    site: 'Main',
    patientSex: 'F',
    patientAge: '050Y',
    studyDescription: 'CHEST PA',
    accessionNumber: `A${uid.slice(-6)}`,
    patientName: 'Test^Patient',
    patientId: `P${uid.slice(-6)}`,
    arrivedAt,
    ...over,
  };
}
