import type { EventMap, EventName } from './types.ts';

export type Handler<E extends EventName> = (payload: EventMap[E]) => void | Promise<void>;

/**
 * `remote`: also hear this event when another process emitted it (a scaled-out deployment's
 * LISTEN/NOTIFY bus, src/cluster/pg-notify-bus.ts). Only views subscribe so: SSE streams and
 * banners. A durable effect (a result, an alert, an SR) is handled once, by the process where
 * its event happened; were every process to handle a relayed event, it would happen N times.
 */
export interface SubscribeOptions {
  remote?: boolean;
}

export interface EventBus {
  on<E extends EventName>(event: E, handler: Handler<E>, opts?: SubscribeOptions): () => void;
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  /**
   * Emits, and resolves once this process's handlers of this emission have settled (a failing
   * one is reported, as with `emit`). For a durable job: it completes only after its effects
   * (the ranking, the SR, the alert) are stored, so a worker killed before then leaves the job
   * to be retried rather than the effect lost.
   */
  publish<E extends EventName>(event: E, payload: EventMap[E]): Promise<void>;
  /** Resolves when every handler started so far has settled (for tests and shutdown). */
  idle(): Promise<void>;
}

/**
 * In-process bus. Handlers run asynchronously and independently: a failing handler is reported
 * to `onError` and never stops the others or the emitter. Each handler gets its own copy of the
 * payload, as JSON: exactly what a cross-process transport would deliver, so nothing that works
 * in one process can come to depend on a shared object, a Date or a function.
 */
export class InMemoryBus implements EventBus {
  private readonly handlers = new Map<EventName, Set<Handler<EventName>>>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly onError: (event: EventName, error: unknown) => void) {}

  /** Every event here is this process's own: `opts.remote` changes nothing. */
  on<E extends EventName>(event: E, handler: Handler<E>, _opts?: SubscribeOptions): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    const h = handler as Handler<EventName>;
    set.add(h);
    return () => void set.delete(h);
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    void Promise.all(this.deliver(event, payload));
  }

  async publish<E extends EventName>(event: E, payload: EventMap[E]): Promise<void> {
    await Promise.all(this.deliver(event, payload));
  }

  private deliver<E extends EventName>(event: E, payload: EventMap[E]): Promise<void>[] {
    const handlers = this.handlers.get(event);
    if (!handlers?.size) return [];
    const wire = JSON.stringify(payload);
    const started: Promise<void>[] = [];
    for (const handler of handlers) {
      const p = (async () => handler(JSON.parse(wire) as EventMap[E]))()
        .catch((e: unknown) => this.onError(event, e))
        .finally(() => this.inflight.delete(p));
      this.inflight.add(p);
      started.push(p);
    }
    return started;
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}
