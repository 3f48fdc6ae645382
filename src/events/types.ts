/**
 * The typed events that connect readfirst's stages. Each stage subscribes to the event before
 * it and emits its own; stages never call each other's internals. In one process the bus is an
 * in-memory emitter; scaled out, a queue (PostgreSQL LISTEN/NOTIFY, pg-boss) carries the same
 * types, so every payload is plain JSON (held at compile time below, and by the bus at run time).
 * Payloads carry UIDs and small facts, never patient names or identifiers.
 */
/** An instance is durable (journal synced, database committed): emitted before it is acknowledged. Heard by: completeness (dicom), inference (score on arrival), worklist (listed at once). */
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

/**
 * No more images are expected for the study: its quiet period passed, or it holds the expected
 * number of instances. It decides nothing about ranking (studies are ranked from their first
 * image); it starts what needs the whole study.
 * Heard by: inference, triage.
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
 * Heard by: triage.
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

/** The urgency classes, most urgent first. */
export const URGENCY_CLASSES = ['critical', 'urgent', 'routine', 'likely-normal'] as const;

export type UrgencyClass = (typeof URGENCY_CLASSES)[number];

/** A study was placed on the worklist or moved. Heard by: alerts, the worklist SSE stream. */
export interface WorklistChangedEvent {
  studyInstanceUid: string;
  urgency: UrgencyClass;
  score: number;
  reason: string;
  /** Class before this change, when the study was already on the worklist. */
  previousUrgency?: UrgencyClass;
}

/** A study was claimed, released, or its reading state changed. Heard by: the worklist SSE stream. */
export interface WorklistStateEvent {
  studyInstanceUid: string;
  state: 'unread' | 'in-progress' | 'read' | 'addended';
  claimedBy: string | null;
}

/** The open worklist was re-ranked at once (a policy change). Heard by: the worklist SSE stream. */
export interface WorklistRerankedEvent {
  changed: number;
  policySource: string;
}

/**
 * A critical-result alert was raised. Heard by: the alerts SSE stream; an extension point for
 * monitoring (time from arrival to alert).
 */
export interface AlertRaisedEvent {
  alertId: string;
  studyInstanceUid: string;
  reason: string;
}

/** An alert went unacknowledged past its timeout and was sent to the next list. Heard by: the alerts SSE stream. */
export interface AlertEscalatedEvent {
  alertId: string;
  studyInstanceUid: string;
  level: number;
}

/** A person acknowledged an alert. Heard by: the alerts SSE stream. */
export interface AlertAcknowledgedEvent {
  alertId: string;
  studyInstanceUid: string;
  acknowledgedBy: string;
}

/**
 * A radiologist signed a reading: the verdicts on a model's result are recorded. An extension
 * point for monitoring (performance per model version, drift); no module hears it yet.
 */
export interface VerdictRecordedEvent {
  studyInstanceUid: string;
  resultId: string;
  modelId: string;
  modelVersion: string;
}

/**
 * The RIS created or changed an order (HL7 ORM/OMI), or moved its patient (ADT): its priority or
 * the patient's class and location may differ now. Heard by: triage, which re-ranks the studies.
 */
export interface OrderUpdatedEvent {
  accessionNumber: string;
  /** Stored studies with this accession number (none yet when the order comes first). */
  studyInstanceUids: string[];
}

export interface EventMap {
  'instance.stored': InstanceStoredEvent;
  'study.complete': StudyCompleteEvent;
  'study.analysed': StudyAnalysedEvent;
  'order.updated': OrderUpdatedEvent;
  'worklist.changed': WorklistChangedEvent;
  'worklist.state': WorklistStateEvent;
  'worklist.reranked': WorklistRerankedEvent;
  'alert.raised': AlertRaisedEvent;
  'alert.escalated': AlertEscalatedEvent;
  'alert.acknowledged': AlertAcknowledgedEvent;
  'verdict.recorded': VerdictRecordedEvent;
}

export type EventName = keyof EventMap;

/** Every event name, for code that must handle them all (a cross-process relay, tests). */
export const EVENT_NAMES = [
  'instance.stored',
  'study.complete',
  'study.analysed',
  'order.updated',
  'worklist.changed',
  'worklist.state',
  'worklist.reranked',
  'alert.raised',
  'alert.escalated',
  'alert.acknowledged',
  'verdict.recorded',
] as const satisfies readonly EventName[];

type IsJson<T> = T extends string | number | boolean | null | undefined
  ? true
  : T extends readonly (infer U)[]
    ? IsJson<U>
    : T extends (...args: never[]) => unknown
      ? false
      : T extends object
        ? { [K in keyof T]-?: IsJson<T[K]> }[keyof T] extends true
          ? true
          : false
        : false;

/** Compile-time proof that every payload is plain JSON: a function, class or Map in one fails here. */
export const EVENT_PAYLOADS_ARE_JSON: { [E in EventName]: IsJson<EventMap[E]> }[EventName] extends true ? true : never = true;

/** Compile-time proof that EVENT_NAMES lists every event. */
export const EVENT_NAMES_ARE_COMPLETE: EventName extends (typeof EVENT_NAMES)[number] ? true : never = true;
