/**
 * The typed events that connect readfirst's stages. Each stage subscribes to the event before
 * it and emits its own; stages never call each other's internals. In one process the bus is an
 * in-memory emitter; scaled out, a queue carries the same types.
 */
/** An instance is durable (journal synced, database committed): emitted before it is acknowledged. */
export interface InstanceStoredEvent {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  /** Where it came from: 'dimse' | 'stow' | 'import'. */
  via: IngestChannel;
  /** True when this SOP instance was already stored (idempotent re-send). */
  duplicate: boolean;
}

export type IngestChannel = 'dimse' | 'stow' | 'import';

/**
 * No more images are expected for the study: its quiet period passed, or it holds the expected
 * number of instances. It decides nothing about ranking (studies are ranked from their first
 * image); it starts what needs the whole study.
 */
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

/**
 * The study's AI reading changed. Scored on arrival: emitted after each image's reading (with
 * `sopInstanceUid`), and once more when the study is complete and every image has been read
 * (`complete: true`): outputs that need the whole study (SR, FHIR, HL7, write-back) wait for that one.
 */
export interface StudyAnalysedEvent {
  studyInstanceUid: string;
  status: AnalysisStatus;
  /** Ids of every inference result stored for the study so far (one per instance and model). */
  resultIds: string[];
  /** Epoch ms. */
  analysedAt: number;
  /** The image whose reading caused this event; null for the completion pass. */
  sopInstanceUid: string | null;
  /** True once the study is complete (quiet period or expected count) and all its images are read. */
  complete: boolean;
}

export type UrgencyClass = 'critical' | 'urgent' | 'routine' | 'likely-normal';

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
