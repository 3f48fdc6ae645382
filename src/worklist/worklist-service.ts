import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { UrgencyClass } from '../events/types.ts';
import type { UrgencyPolicy } from '../triage/policy-schema.ts';
import { rankStudy, type Ranking, type TriageInput } from '../triage/rank.ts';
import type { ReadingState, WorklistItem } from './worklist-item.ts';
import type { RankFields, WorklistEntry, WorklistPage, WorklistQuery, WorklistStore } from './worklist-store.ts';

/** What the SSE stream and other listeners hear. */
export type WorklistChange =
  | { type: 'ranked'; item: WorklistItem; position: number | null; previousUrgency: UrgencyClass | null }
  | { type: 'state'; item: WorklistItem }
  | { type: 'reranked'; changed: number; policySource: string };

/** Study facts triage ranks on, besides the AI output (which `rank` receives as part of the input). */
export type StudyFacts = Omit<WorklistEntry, keyof RankFields | 'aiStatus' | 'aiStatusReason' | 'findings' | 'modelId' | 'modelVersion'>;

export interface RankRequest {
  facts: StudyFacts;
  ai: Pick<TriageInput, 'aiStatus' | 'aiStatusReason' | 'findings'> & { modelId: string | null; modelVersion: string | null };
}

/**
 * The worklist as the web app and other modules use it (`ctx.services.worklist`): list, claim,
 * release, set state, and (for triage) rank a study or re-rank the open list under a new policy.
 */
export interface WorklistService {
  list(query: WorklistQuery): Promise<WorklistPage>;
  get(studyInstanceUid: string): Promise<WorklistItem | undefined>;
  position(studyInstanceUid: string): Promise<number | null>;
  counts(): Promise<Record<UrgencyClass, number>>;
  claim(studyInstanceUid: string, user: string): Promise<WorklistItem>;
  release(studyInstanceUid: string, user: string): Promise<WorklistItem>;
  setState(studyInstanceUid: string, user: string, state: ReadingState): Promise<WorklistItem>;
  /**
   * The most urgent unread, unclaimed study in the server's reading order, claimed for `user`
   * (atomically: two readers asking at once get two different studies). `skip` is left out (the
   * study just signed or left). Undefined when nothing is left to read.
   */
  next(user: string, skip?: string): Promise<WorklistItem | undefined>;
  /** Studies in any state by patient name, patient ID or accession number. */
  search(text: string, limit?: number): Promise<WorklistItem[]>;
  rank(request: RankRequest): Promise<{ item: WorklistItem; ranking: Ranking; previous: WorklistItem | undefined }>;
  rerankOpen(policySource?: string): Promise<number>;
  policy(): UrgencyPolicy;
  subscribe(listener: (change: WorklistChange) => void): () => void;
}

export interface WorklistServiceDeps {
  store: WorklistStore;
  clock: Clock;
  bus: EventBus;
  policy: () => UrgencyPolicy;
  claimTimeoutMs: number;
}

/** The class the AI alone would give: the study ranked without its order and location floors. */
export function aiClassOf(policy: UrgencyPolicy, input: TriageInput): UrgencyClass | null {
  if (input.aiStatus !== 'analysed') return null;
  return rankStudy(policy, { ...input, orderPriority: null, patientLocation: null }).urgency;
}

function rankFields(policy: UrgencyPolicy, input: TriageInput): RankFields & { ranking: Ranking } {
  const ranking = rankStudy(policy, input);
  return {
    ranking,
    urgency: ranking.urgency,
    aiUrgency: aiClassOf(policy, input),
    score: ranking.score,
    dueAt: ranking.dueAt,
    reason: ranking.reason,
    explanation: ranking.explanation,
    upsPriority: ranking.upsPriority,
  };
}

const inputOf = (e: Pick<WorklistEntry, 'arrivedAt' | 'orderPriority' | 'patientLocation' | 'aiStatus' | 'aiStatusReason' | 'findings'>): TriageInput => ({
  arrivedAt: e.arrivedAt,
  orderPriority: e.orderPriority,
  patientLocation: e.patientLocation,
  aiStatus: e.aiStatus,
  aiStatusReason: e.aiStatusReason,
  findings: e.findings,
});

export function createWorklistService(deps: WorklistServiceDeps): WorklistService {
  const listeners = new Set<(c: WorklistChange) => void>();
  const notify = (c: WorklistChange): void => {
    for (const l of listeners) l(c);
  };
  const must = (item: WorklistItem | undefined, uid: string): WorklistItem => {
    if (!item) throw new ReadfirstError('not-found', `study ${uid} is not on the worklist`);
    return item;
  };
  const stateChange = async (r: { ok: boolean; item: WorklistItem | undefined }, uid: string, what: string): Promise<WorklistItem> => {
    const item = must(r.item, uid);
    if (!r.ok) throw new ReadfirstError('conflict', `${what}: study is held by ${item.claimedBy ?? 'someone else'}`, { claimedBy: item.claimedBy, claimExpiresAt: item.claimExpiresAt });
    notify({ type: 'state', item });
    return item;
  };

  return {
    list: (q) => deps.store.list(q),
    get: (uid) => deps.store.get(uid),
    position: (uid) => deps.store.position(uid),
    counts: () => deps.store.countsByUrgency(),
    async claim(uid, user) {
      return stateChange(await deps.store.claim(uid, user, deps.clock.now() + deps.claimTimeoutMs), uid, 'cannot claim');
    },
    async release(uid, user) {
      return stateChange(await deps.store.release(uid, user), uid, 'cannot release');
    },
    async setState(uid, user, state) {
      return stateChange(await deps.store.setState(uid, user, state), uid, `cannot set ${state}`);
    },
    async next(user, skip) {
      let cursor: string | undefined;
      // Bounded: past 2,000 open studies that all are taken, "next" is no longer the question.
      for (let pages = 0; pages < 20; pages++) {
        const page = await deps.store.list({ states: 'open', limit: 100, ...(cursor ? { cursor } : {}) });
        for (const item of page.items) {
          const now = deps.clock.now();
          const free = item.claimedBy === null || (item.claimExpiresAt ?? 0) <= now;
          // Unread and unclaimed, or left in progress by a claim that expired (an abandoned read).
          if (item.studyInstanceUid === skip || !free) continue;
          const r = await deps.store.claim(item.studyInstanceUid, user, now + deps.claimTimeoutMs);
          if (r.ok && r.item) {
            notify({ type: 'state', item: r.item });
            return r.item;
          }
        }
        if (!page.nextCursor) return undefined;
        cursor = page.nextCursor;
      }
      return undefined;
    },
    search: (text, limit = 50) => deps.store.search(text, limit),
    async rank({ facts, ai }) {
      const policy = deps.policy();
      const base = { ...facts, aiStatus: ai.aiStatus, aiStatusReason: ai.aiStatusReason ?? null, findings: [...ai.findings], modelId: ai.modelId, modelVersion: ai.modelVersion };
      const { ranking, ...fields } = rankFields(policy, inputOf(base));
      const now = deps.clock.now();
      const { previous, item } = await deps.store.upsert({ ...base, ...fields }, now);
      const position = await deps.store.position(item.studyInstanceUid);
      deps.bus.emit('worklist.changed', {
        studyInstanceUid: item.studyInstanceUid,
        urgency: item.urgency,
        score: item.score,
        reason: item.reason,
        ...(previous ? { previousUrgency: previous.urgency } : {}),
      });
      notify({ type: 'ranked', item, position, previousUrgency: previous?.urgency ?? null });
      return { item, ranking, previous };
    },
    async rerankOpen(policySource = 'policy') {
      const policy = deps.policy();
      const entries = await deps.store.openEntries();
      const changed: Array<{ studyInstanceUid: string } & RankFields> = [];
      const events: Array<{ entry: WorklistEntry; fields: RankFields }> = [];
      for (const e of entries) {
        const { ranking: _r, ...fields } = rankFields(policy, inputOf(e));
        if (fields.score === e.score && fields.urgency === e.urgency && fields.reason === e.reason) continue;
        changed.push({ studyInstanceUid: e.studyInstanceUid, ...fields });
        events.push({ entry: e, fields });
      }
      await deps.store.updateRanks(changed, deps.clock.now());
      for (const { entry, fields } of events) {
        deps.bus.emit('worklist.changed', { studyInstanceUid: entry.studyInstanceUid, urgency: fields.urgency, score: fields.score, reason: fields.reason, previousUrgency: entry.urgency });
      }
      notify({ type: 'reranked', changed: changed.length, policySource });
      return changed.length;
    },
    policy: deps.policy,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
