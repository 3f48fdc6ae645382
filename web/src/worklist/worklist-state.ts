import { batch, computed, signal } from '@preact/signals';
import { markLive, markLost } from '../shell/connection.ts';
import { loadMe, me } from '../shell/session.ts';
import { localTime, readingOrderAt, type ServerTime, sortAt } from './reading-order.ts';
import {
  type Page,
  type StatusFilter,
  type UrgencyClass,
  type WorklistEvent,
  type WorklistItem,
  fetchWorklist,
  subscribeWorklist,
} from './worklist-api.ts';

export interface Filters {
  status: StatusFilter;
  modality: string;
  site: string;
  urgency: UrgencyClass | '';
  mine: boolean;
}

export const filters = signal<Filters>({ status: 'open', modality: '', site: '', urgency: '', mine: false });
/** Every loaded row, in the server's reading order at the time (reading-order.ts). */
export const items = signal<WorklistItem[]>([]);
export const loading = signal(true);
export const live = signal(false);
/** Studies that just became critical or rose: highlighted for a while. */
export const highlighted = signal<ReadonlySet<string>>(new Set());
/** The keyboard cursor in the visible list. */
export const selected = signal<string | undefined>(undefined);

const HIGHLIGHT_MS = 15_000;
/** How often the order is re-evaluated as studies become overdue or protected. */
export const RESORT_MS = 30_000;

/** The server's time and protection line, from the latest page. */
let serverTime: ServerTime = localTime(Date.now());

/** Takes the order's time from a page the server just listed. */
export function setServerTime(page: Pick<Page, 'at' | 'protectedUpTo'>, receivedAt = Date.now()): void {
  serverTime = { at: page.at, protectedUpTo: page.protectedUpTo, receivedAt };
}

/** The server's reading order now. */
export function compareItems(a: WorklistItem, b: WorklistItem): number {
  return readingOrderAt(serverTime, Date.now())(a, b);
}

/** Re-sorts the loaded rows for the time now: tiers change as studies wait. */
export function resort(): void {
  const list = sortAt(items.value, serverTime, Date.now());
  if (list !== items.value) items.value = list;
}

function matchesStatus(item: WorklistItem, status: StatusFilter): boolean {
  if (status === 'all') return true;
  if (status === 'open') return item.state === 'unread' || item.state === 'in-progress';
  return item.state === status;
}

/** The rows on screen: the loaded list through the modality, site, class and "mine" filters. */
export const visible = computed(() => {
  const f = filters.value;
  const user = me.value?.username;
  return items.value.filter(
    (i) =>
      (!f.modality || i.modality === f.modality) &&
      (!f.site || i.site === f.site) &&
      (!f.urgency || i.urgency === f.urgency) &&
      (!f.mine || (user !== undefined && i.claimedBy === user)),
  );
});

export const modalities = computed(() => [...new Set(items.value.map((i) => i.modality).filter((m): m is string => !!m))].sort());
export const sites = computed(() => [...new Set(items.value.map((i) => i.site).filter((s): s is string => !!s))].sort());

function highlight(uid: string): void {
  highlighted.value = new Set([...highlighted.value, uid]);
  setTimeout(() => {
    const next = new Set(highlighted.value);
    next.delete(uid);
    highlighted.value = next;
  }, HIGHLIGHT_MS);
}

/** Puts one changed row where it belongs: binary search into the sorted list, no full sort. */
export function placeItem(list: readonly WorklistItem[], item: WorklistItem, keep: boolean): WorklistItem[] {
  const out = list.filter((i) => i.studyInstanceUid !== item.studyInstanceUid);
  if (!keep) return out;
  const compare = readingOrderAt(serverTime, Date.now());
  let lo = 0;
  let hi = out.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(out[mid] as WorklistItem, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  out.splice(lo, 0, item);
  return out;
}

/** Events that arrive while the list is loading: re-applied over each page as it lands. */
let duringLoad: WorklistEvent[] | undefined;

export function applyEvent(e: WorklistEvent): void {
  duringLoad?.push(e);
  // The list must be in order at this moment for the binary search in placeItem.
  resort();
  if (e.type === 'reranked') {
    void reload();
    return;
  }
  const item = e.item;
  const before = items.value.find((i) => i.studyInstanceUid === item.studyInstanceUid);
  items.value = placeItem(items.value, item, matchesStatus(item, filters.value.status));
  const rose = e.type === 'ranked' && item.urgency === 'critical' && before?.urgency !== 'critical';
  if (rose) highlight(item.studyInstanceUid);
}

let generation = 0;

/** Loads the list for the current status filter, page by page: the first page shows at once. */
export async function reload(): Promise<void> {
  const mine = ++generation;
  loading.value = true;
  let acc: WorklistItem[] = [];
  const seen: WorklistEvent[] = [];
  duringLoad = seen;
  try {
    await fetchWorklist(filters.value.status, (page, first) => {
      if (mine !== generation) return;
      setServerTime(page);
      acc = first ? page.items : acc.concat(page.items);
      // Each page is listed at its own time: the whole list is put in order at the latest.
      let list = sortAt(acc, serverTime, Date.now());
      const status = filters.value.status;
      for (const e of seen) if (e.type !== 'reranked') list = placeItem(list, e.item, matchesStatus(e.item, status));
      items.value = list;
    });
  } finally {
    if (mine === generation) {
      loading.value = false;
      duringLoad = undefined;
    }
  }
}

let unsubscribe: (() => void) | undefined;
let resortTimer: ReturnType<typeof setInterval> | undefined;
let watchdog: ReturnType<typeof setTimeout> | undefined;
/** Two heartbeats (5 s each) and a margin: silence this long means the server is gone. */
const SILENCE_MS = 12_000;

/** Starts the live connection once per signed-in session; reloads on every (re)connect. */
export function connectWorklist(): void {
  if (unsubscribe) return;
  // Load at once, in parallel with the stream; reload on every reconnect after the first.
  let connections = 0;
  void reload();
  resortTimer = setInterval(resort, RESORT_MS);
  const heard = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      // No TCP error may ever arrive (a cable pulled, a proxy holding the socket): silence is enough.
      live.value = false;
      markLost();
    }, SILENCE_MS);
  };
  unsubscribe = subscribeWorklist(
    (e) => {
      heard();
      applyEvent(e);
    },
    () => {
      heard();
      live.value = true;
      markLive();
      if (connections++ > 0) void reload();
    },
    () => {
      // The stream dropped (server gone, network, or an expired session: then sign in again).
      live.value = false;
      markLost();
      loadMe().catch(() => undefined);
    },
    heard,
  );
}

export function disconnectWorklist(): void {
  unsubscribe?.();
  unsubscribe = undefined;
  clearTimeout(watchdog);
  clearInterval(resortTimer);
  resortTimer = undefined;
  batch(() => {
    live.value = false;
    items.value = [];
  });
}

export function setFilters(patch: Partial<Filters>): void {
  const statusChanged = patch.status !== undefined && patch.status !== filters.value.status;
  filters.value = { ...filters.value, ...patch };
  if (statusChanged) void reload();
}

/** The study after (or before) `uid` in the visible list, for next/previous study. */
export function neighbour(uid: string, step: 1 | -1): WorklistItem | undefined {
  const list = visible.value;
  const at = list.findIndex((i) => i.studyInstanceUid === uid);
  if (at < 0) return list[0];
  return list[at + step];
}
