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
export async function fetchWorklist(status: StatusFilter, onPage: (page: Page, first: boolean) => void, signal?: AbortSignal): Promise<void> {
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

/** Subscribes to worklist changes; EventSource reconnects by itself. Returns the unsubscribe. */
export function subscribeWorklist(onEvent: (e: WorklistEvent) => void, onOpen: () => void, onError: () => void): () => void {
  const es = new EventSource('/api/worklist/events');
  es.addEventListener('error', onError);
  const handle = (ev: MessageEvent<string>): void => onEvent(JSON.parse(ev.data) as WorklistEvent);
  for (const name of ['worklist.changed', 'worklist.state', 'worklist.reranked']) es.addEventListener(name, handle);
  es.addEventListener('ready', onOpen);
  return () => es.close();
}

export async function claim(uid: string): Promise<WorklistItem> {
  return api<WorklistItem>('POST', `/api/worklist/${uid}/claim`);
}

export async function release(uid: string): Promise<WorklistItem> {
  return api<WorklistItem>('POST', `/api/worklist/${uid}/release`);
}
