import type { UrgencyClass } from '../../../src/events/types.ts';
import type { WorklistItem } from '../../../src/worklist/worklist-item.ts';
import { api } from '../shell/api.ts';

export type { UrgencyClass, WorklistItem };

/** Status filter values the worklist API takes (`status=`). */
export type StatusFilter = 'open' | 'unread' | 'in-progress' | 'read' | 'all';

/** One page of `/api/worklist` (src/worklist/worklist-store.ts `WorklistPage`, plus the counts). */
export interface Page {
  items: WorklistItem[];
  nextCursor: string | null;
  /** The server's clock and its starvation-guard line when it listed the page: the order's time. */
  at: number;
  protectedUpTo: number;
  counts: Record<UrgencyClass, number>;
}

/** Pages through `/api/worklist` (100, then 500 a page), handing each page over as it arrives. */
export async function fetchWorklist(
  status: StatusFilter,
  onPage: (page: Page, first: boolean) => void,
  signal?: AbortSignal,
): Promise<void> {
  let cursor: string | null = null;
  let first = true;
  do {
    // A small first page shows the top of the list sooner; the rest follows 500 at a time.
    const q = new URLSearchParams({ status, limit: first ? '100' : '500' });
    if (cursor) q.set('cursor', cursor);
    const page: Page = await api<Page>('GET', `/api/worklist?${q.toString()}`);
    if (signal?.aborted) return;
    onPage(page, first);
    first = false;
    cursor = page.nextCursor;
  } while (cursor);
}

/** What the worklist SSE stream (`/api/worklist/events`) sends. */
export type WorklistEvent =
  | { type: 'ranked'; item: WorklistItem; position: number | null; previousUrgency: UrgencyClass | null }
  | { type: 'state'; item: WorklistItem }
  | { type: 'reranked'; changed: number; policySource: string };

/**
 * Subscribes to worklist changes. EventSource retries by itself after a network error, but gives
 * up after an HTTP error answer (a server still starting): then a new one is opened. `onBeat`
 * hears the server's heartbeats (every 5 s). Returns the unsubscribe.
 */
export function subscribeWorklist(
  onEvent: (e: WorklistEvent) => void,
  onOpen: () => void,
  onError: () => void,
  onBeat: () => void,
): () => void {
  let es: EventSource | undefined;
  let closed = false;
  const open = (): void => {
    const source = new EventSource('/api/worklist/events');
    es = source;
    source.addEventListener('error', () => {
      onError();
      if (source.readyState === EventSource.CLOSED && !closed) setTimeout(() => !closed && es === source && open(), 3_000);
    });
    const handle = (ev: MessageEvent<string>): void => onEvent(JSON.parse(ev.data) as WorklistEvent);
    for (const name of ['worklist.changed', 'worklist.state', 'worklist.reranked']) source.addEventListener(name, handle);
    source.addEventListener('ready', onOpen);
    source.addEventListener('heartbeat', onBeat);
  };
  open();
  return () => {
    closed = true;
    es?.close();
  };
}

/** Claims the most urgent unread, unclaimed study in the server's reading order (null: none left). */
export async function claimNext(skip?: string): Promise<WorklistItem | null> {
  return (await api<{ item: WorklistItem | null }>('POST', '/api/worklist/next', skip ? { skip } : {})).item;
}

/** Studies in any reading state by patient name, patient ID or accession number. */
export async function searchStudies(q: string): Promise<WorklistItem[]> {
  return (await api<{ items: WorklistItem[] }>('GET', `/api/worklist/search?${new URLSearchParams({ q }).toString()}`)).items;
}

export async function claim(uid: string): Promise<WorklistItem> {
  return api<WorklistItem>('POST', `/api/worklist/${uid}/claim`);
}

export async function release(uid: string): Promise<WorklistItem> {
  return api<WorklistItem>('POST', `/api/worklist/${uid}/release`);
}
