import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { UrgencyClass } from '../events/types.ts';
import type { ReadingState, WorklistItem } from './worklist-item.ts';
import type { RankFields, WorklistEntry, WorklistPage, WorklistQuery, WorklistStore } from './worklist-store.ts';

/** One study's new rank, as triage computed it, and the class it had. */
export type Rerank = { studyInstanceUid: string; previousUrgency: UrgencyClass } & RankFields;

/**
 * The radiologists' worklist: list, claim, release, set the reading state, and place or re-rank
 * studies with the rank triage computed. Every change is a bus event (`worklist.*`). The worklist keeps the reading order; it never decides
 * a rank itself (that is triage's policy), so it depends on no other domain.
 */
export interface WorklistService {
  list(query: WorklistQuery): Promise<WorklistPage>;
  get(studyInstanceUid: string): Promise<WorklistItem | undefined>;
  /** The study's ranking inputs as last placed (for triage to rank it again). */
  entry(studyInstanceUid: string): Promise<WorklistEntry | undefined>;
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
  /** Puts a study on the worklist, or moves it, with the rank triage gave it. */
  place(entry: WorklistEntry): Promise<{ item: WorklistItem; previous: WorklistItem | undefined }>;
  /** Every open study's ranking inputs. */
  openEntries(): Promise<WorklistEntry[]>;
  /** Writes many new ranks at once (a policy change). */
  rerank(ranks: readonly Rerank[], policySource: string): Promise<number>;
}

export interface WorklistServiceDeps {
  store: WorklistStore;
  clock: Clock;
  bus: EventBus;
  claimTimeoutMs: number;
}

export function createWorklistService(deps: WorklistServiceDeps): WorklistService {
  const must = (item: WorklistItem | undefined, uid: string): WorklistItem => {
    if (!item) throw new ReadfirstError('not-found', `study ${uid} is not on the worklist`);
    return item;
  };
  const stateChange = async (r: { ok: boolean; item: WorklistItem | undefined }, uid: string, what: string): Promise<WorklistItem> => {
    const item = must(r.item, uid);
    if (!r.ok)
      throw new ReadfirstError('conflict', `${what}: study is held by ${item.claimedBy ?? 'someone else'}`, {
        claimedBy: item.claimedBy,
        claimExpiresAt: item.claimExpiresAt,
      });
    deps.bus.emit('worklist.state', { studyInstanceUid: item.studyInstanceUid, state: item.state, claimedBy: item.claimedBy });
    return item;
  };

  return {
    list: (q) => deps.store.list(q),
    get: (uid) => deps.store.get(uid),
    entry: (uid) => deps.store.entry(uid),
    position: (uid) => deps.store.position(uid),
    counts: () => deps.store.countsByUrgency(),
    openEntries: () => deps.store.openEntries(),
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
          if (r.ok && r.item) return stateChange(r, item.studyInstanceUid, 'cannot claim');
        }
        if (!page.nextCursor) return undefined;
        cursor = page.nextCursor;
      }
      return undefined;
    },
    search: (text, limit = 50) => deps.store.search(text, limit),
    async place(entry) {
      const { previous, item } = await deps.store.upsert(entry, deps.clock.now());
      // Resolves once the change's handlers here have run (the critical alert raised, the urgency
      // queued for the PACS), so an analysis job that placed the study completes only after them.
      await deps.bus.publish('worklist.changed', {
        studyInstanceUid: item.studyInstanceUid,
        urgency: item.urgency,
        score: item.score,
        reason: item.reason,
        ...(previous ? { previousUrgency: previous.urgency } : {}),
      });
      return { item, previous };
    },
    async rerank(ranks, policySource) {
      await deps.store.updateRanks(ranks, deps.clock.now());
      for (const r of ranks) {
        deps.bus.emit('worklist.changed', {
          studyInstanceUid: r.studyInstanceUid,
          urgency: r.urgency,
          score: r.score,
          reason: r.reason,
          previousUrgency: r.previousUrgency,
        });
      }
      deps.bus.emit('worklist.reranked', { changed: ranks.length, policySource });
      return ranks.length;
    },
  };
}
