import type { UrgencyClass } from '../events/types.ts';
import type { ReadingState, StudyAttributes, UpsPriority, WorklistItem } from './worklist-item.ts';

/**
 * One AI finding as the rank was computed from it: probability and the decision at each operating
 * point. Kept with the entry so a new policy can re-rank without the inference results.
 */
export interface FindingEvidence {
  key: string;
  display: string;
  probability: number;
  decisions: readonly { name: string; threshold: number; positive: boolean }[];
}

/** What triage writes for one study: its rank and the inputs that produced it (kept for re-ranking). */
export interface WorklistEntry extends StudyAttributes {
  studyInstanceUid: string;
  urgency: UrgencyClass;
  aiUrgency: UrgencyClass | null;
  score: number;
  dueAt: number;
  reason: string;
  explanation: string[];
  upsPriority: UpsPriority;
  orderPriority: string | null;
  patientLocation: string | null;
  aiStatus: WorklistItem['aiStatus'];
  aiStatusReason: string | null;
  findings: FindingEvidence[];
  modelId: string | null;
  modelVersion: string | null;
  arrivedAt: number;
}

export type RankFields = Pick<WorklistEntry, 'urgency' | 'aiUrgency' | 'score' | 'dueAt' | 'reason' | 'explanation' | 'upsPriority'>;

/** Open means unread or in progress: still to be read. */
export type StateFilter = 'open' | 'all' | readonly ReadingState[];

export interface WorklistQuery {
  states?: StateFilter;
  modality?: string;
  site?: string;
  urgency?: UrgencyClass;
  /** Page size, 1-500 (default 50). */
  limit?: number;
  /** Opaque keyset cursor from the previous page. */
  cursor?: string;
}

export interface WorklistPage {
  items: WorklistItem[];
  nextCursor: string | null;
  /**
   * The reading order depends on the time: clients that re-sort locally use
   * `compareAtTime(a, b, at, { protectedUpTo })` from worklist/reading-order.ts with these two values.
   */
  at: number;
  protectedUpTo: number;
}

/** The policy's starvation guard, as the store applies it (see worklist/reading-order.ts). */
export interface StarvationGuardConfig {
  /** Never protect before this wait: the lowest class's maximum wait. */
  floorMs: number;
  marginMs: number;
  /** How far back "the longest recent wait" looks. */
  windowMs: number;
}

export interface ClaimResult {
  ok: boolean;
  item: WorklistItem | undefined;
}

/**
 * The worklist's storage: one row per study, ordered by score (higher first), then arrival, then
 * UID. One implementation over the Db seam serves SQLite and PostgreSQL; one contract suite
 * covers both.
 */
export interface WorklistStore {
  upsert(entry: WorklistEntry, now: number): Promise<{ previous: WorklistItem | undefined; item: WorklistItem }>;
  get(studyInstanceUid: string): Promise<WorklistItem | undefined>;
  entry(studyInstanceUid: string): Promise<WorklistEntry | undefined>;
  list(query: WorklistQuery): Promise<WorklistPage>;
  /** Position (1-based) in the open worklist, exact up to 1,000 (deeper studies report 1,000); null when not open. */
  position(studyInstanceUid: string): Promise<number | null>;
  countsByUrgency(): Promise<Record<UrgencyClass, number>>;
  /** Takes the study for `user` until `expiresAt`, unless someone else holds an unexpired claim. */
  claim(studyInstanceUid: string, user: string, expiresAt: number): Promise<ClaimResult>;
  release(studyInstanceUid: string, user: string): Promise<ClaimResult>;
  setState(studyInstanceUid: string, user: string, state: ReadingState): Promise<ClaimResult>;
  /**
   * Studies in any reading state whose patient name, patient ID or accession number contains
   * `text` (case-insensitive), newest first.
   */
  search(text: string, limit: number): Promise<WorklistItem[]>;
  /** Every open study's ranking inputs, for re-ranking under a new policy. */
  openEntries(): Promise<WorklistEntry[]>;
  /** Writes new ranks for many studies in one transaction. */
  updateRanks(ranks: ReadonlyArray<{ studyInstanceUid: string } & RankFields>, now: number): Promise<number>;
}
