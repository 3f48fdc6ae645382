/**
 * The typed events that connect readfirst's stages. Each stage subscribes to the event before
 * it and emits its own; stages never call each other's internals. In one process the bus is an
 * in-memory emitter; scaled out, a queue carries the same types.
 */
export interface InstanceStoredEvent {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  /** Where it came from: 'dimse' | 'stow' | 'import'. */
  via: IngestChannel;
  /** True when this SOP instance was already stored (idempotent re-send). */
  duplicate: boolean;
  /** Epoch ms at which the instance was stored (the first time, for a duplicate). */
  receivedAt: number;
}

export type IngestChannel = 'dimse' | 'stow' | 'import';

export interface StudyCompleteEvent {
  studyInstanceUid: string;
  /** Instances in the study when it was declared complete. */
  instanceCount: number;
  /** Epoch ms of the last instance received. */
  lastInstanceAt: number;
  /** Epoch ms at which the study was declared complete. */
  completedAt: number;
  /** 1 for the first completion, 2+ when late instances re-opened the study. */
  generation: number;
}

export type AnalysisStatus = 'analysed' | 'not-analysable' | 'no-model' | 'failed';

export interface StudyAnalysedEvent {
  studyInstanceUid: string;
  status: AnalysisStatus;
  /** Ids of the stored inference results (one per analysed series/instance). */
  resultIds: string[];
  /** Epoch ms. */
  analysedAt: number;
}

/** The urgency classes, most urgent first. */
export const URGENCY_CLASSES = ['critical', 'urgent', 'routine', 'likely-normal'] as const;

export type UrgencyClass = (typeof URGENCY_CLASSES)[number];

export interface WorklistChangedEvent {
  studyInstanceUid: string;
  urgency: UrgencyClass;
  score: number;
  reason: string;
  /** Class before this change, when the study was already on the worklist. */
  previousUrgency?: UrgencyClass;
}

export interface AlertRaisedEvent {
  alertId: string;
  studyInstanceUid: string;
  reason: string;
}

export interface VerdictRecordedEvent {
  studyInstanceUid: string;
  resultId: string;
  modelId: string;
  modelVersion: string;
}

export interface EventMap {
  'instance.stored': InstanceStoredEvent;
  'study.complete': StudyCompleteEvent;
  'study.analysed': StudyAnalysedEvent;
  'worklist.changed': WorklistChangedEvent;
  'alert.raised': AlertRaisedEvent;
  'verdict.recorded': VerdictRecordedEvent;
}

export type EventName = keyof EventMap;
