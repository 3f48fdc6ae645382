import type { UrgencyClass } from '../events/types.ts';
import type { FindingEvidence } from './worklist-store.ts';
import type { ReadingState, UpsPriority, WorklistItem } from './worklist-item.ts';
import type { WorklistEntry } from './worklist-store.ts';

/** A worklist_items row as the driver returns it. */
export interface WorklistRow {
  [k: string]: unknown;
  study_instance_uid: string;
  urgency: string;
  ai_urgency: string | null;
  score: number;
  due_at: number | string;
  reason: string;
  explanation: string;
  ups_priority: string;
  order_priority: string | null;
  patient_location: string | null;
  ai_status: string;
  ai_status_reason: string | null;
  findings: string;
  model_id: string | null;
  model_version: string | null;
  state: string;
  claimed_by: string | null;
  claim_expires_at: number | string | null;
  modality: string | null;
  site: string | null;
  patient_sex: string | null;
  patient_age: string | null;
  study_description: string | null;
  accession_number: string | null;
  patient_name: string | null;
  patient_id: string | null;
  arrived_at: number | string;
  updated_at: number | string;
}

/** Columns listed in the order `entryParams` gives them. */
export const ENTRY_COLUMNS = [
  'study_instance_uid',
  'urgency',
  'ai_urgency',
  'score',
  'due_at',
  'reason',
  'explanation',
  'ups_priority',
  'order_priority',
  'patient_location',
  'ai_status',
  'ai_status_reason',
  'findings',
  'model_id',
  'model_version',
  'modality',
  'site',
  'patient_sex',
  'patient_age',
  'study_description',
  'accession_number',
  'patient_name',
  'patient_id',
  'arrived_at',
] as const;

export function entryParams(e: WorklistEntry): Array<string | number | null> {
  return [
    e.studyInstanceUid,
    e.urgency,
    e.aiUrgency,
    e.score,
    e.dueAt,
    e.reason,
    JSON.stringify(e.explanation),
    e.upsPriority,
    e.orderPriority,
    e.patientLocation,
    e.aiStatus,
    e.aiStatusReason,
    JSON.stringify(e.findings),
    e.modelId,
    e.modelVersion,
    e.modality,
    e.site,
    e.patientSex,
    e.patientAge,
    e.studyDescription,
    e.accessionNumber,
    e.patientName,
    e.patientId,
    e.arrivedAt,
  ];
}

export function rowToEntry(r: WorklistRow): WorklistEntry {
  return {
    studyInstanceUid: r.study_instance_uid,
    urgency: r.urgency as UrgencyClass,
    aiUrgency: r.ai_urgency as UrgencyClass | null,
    score: Number(r.score),
    dueAt: Number(r.due_at),
    reason: r.reason,
    explanation: JSON.parse(r.explanation) as string[],
    upsPriority: r.ups_priority as UpsPriority,
    orderPriority: r.order_priority,
    patientLocation: r.patient_location,
    aiStatus: r.ai_status as WorklistItem['aiStatus'],
    aiStatusReason: r.ai_status_reason,
    findings: JSON.parse(r.findings) as FindingEvidence[],
    modelId: r.model_id,
    modelVersion: r.model_version,
    modality: r.modality,
    site: r.site,
    patientSex: r.patient_sex,
    patientAge: r.patient_age,
    studyDescription: r.study_description,
    accessionNumber: r.accession_number,
    patientName: r.patient_name,
    patientId: r.patient_id,
    arrivedAt: Number(r.arrived_at),
  };
}

/** The API view. A claim past its expiry is shown as released: the study is free to open again. */
export function rowToItem(r: WorklistRow, now: number): WorklistItem {
  const expires = r.claim_expires_at === null ? null : Number(r.claim_expires_at);
  const live = r.claimed_by !== null && expires !== null && expires > now;
  const state = (r.state === 'in-progress' && !live ? 'unread' : r.state) as ReadingState;
  const e = rowToEntry(r);
  return {
    studyInstanceUid: e.studyInstanceUid,
    urgency: e.urgency,
    score: e.score,
    reason: e.reason,
    upsPriority: e.upsPriority,
    orderPriority: e.orderPriority,
    aiStatus: e.aiStatus,
    modelId: e.modelId,
    modelVersion: e.modelVersion,
    state,
    claimedBy: live ? r.claimed_by : null,
    claimExpiresAt: live ? expires : null,
    modality: e.modality,
    site: e.site,
    patientSex: e.patientSex,
    patientAge: e.patientAge,
    studyDescription: e.studyDescription,
    accessionNumber: e.accessionNumber,
    patientName: e.patientName,
    patientId: e.patientId,
    arrivedAt: e.arrivedAt,
    updatedAt: Number(r.updated_at),
    dueAt: e.dueAt,
    overdue: (state === 'unread' || state === 'in-progress') && now > e.dueAt,
    explanation: e.explanation,
    aiUrgency: e.aiUrgency,
    patientLocation: e.patientLocation,
  };
}
