import { signal } from '@preact/signals';

/**
 * Whether the server is reachable. "lost" when a request fails at the network level or the live
 * stream's heartbeats stop; then /healthz is polled, and once it answers every `onReconnect`
 * callback runs (unsent drafts are resubmitted). The app never claims to be live meanwhile.
 */
export const connection = signal<'live' | 'lost'>('live');

const POLL_MS = 2_000;
const callbacks = new Set<() => void>();
let polling: ReturnType<typeof setInterval> | undefined;

export function onReconnect(cb: () => void): () => void {
  callbacks.add(cb);
  return () => void callbacks.delete(cb);
}

export function markLive(): void {
  if (connection.value === 'live') return;
  connection.value = 'live';
  clearInterval(polling);
  polling = undefined;
  for (const cb of [...callbacks]) cb();
}

export function markLost(): void {
  if (connection.value === 'lost') return;
  connection.value = 'lost';
  clearInterval(polling);
  polling = setInterval(() => {
    fetch('/healthz', { cache: 'no-store' })
      .then((r) => {
        if (r.ok) markLive();
      })
      .catch(() => undefined);
  }, POLL_MS);
}

/** A fetch that failed without an HTTP answer: the network or the server is gone. */
export function isNetworkFailure(e: unknown): boolean {
  return e instanceof TypeError;
}
