import type { Clock, TimerHandle } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { DestinationSender, SendResult } from '../writeback/send-result.ts';
import type { OutboxStore } from './outbox-store.ts';

export interface OutboxWorkerConfig {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  pollMs: number;
  leaseMs: number;
  batchSize: number;
}

/** How a destination is doing, for the app API and /metrics. */
export interface DestinationHealth {
  id: string;
  /** Null until the first attempt; then whether the last attempt reached the peer and was stored. */
  up: boolean | null;
  consecutiveFailures: number;
  lastError: string | null;
}

export interface OutboxObserver {
  attempt(destination: string, outcome: 'delivered' | 'retry' | 'failed'): void;
}

export interface OutboxWorkerDeps {
  store: OutboxStore;
  senders: readonly DestinationSender[];
  clock: Clock;
  logger: Logger;
  config: OutboxWorkerConfig;
  observer?: OutboxObserver;
}

/** Doubling back-off from `backoffMs`, capped: attempt 1 failed → backoffMs, 2 → 2×, … */
export function backoffDelay(cfg: Pick<OutboxWorkerConfig, 'backoffMs' | 'maxBackoffMs'>, attempt: number): number {
  return Math.min(cfg.maxBackoffMs, cfg.backoffMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Delivers the outbox: one loop per destination claims due deliveries in batches, sends them and
 * records each result. Retries wait with doubling back-off and live in the store, so they survive
 * a restart; a delivery claimed by a process that died is retried after its lease. A delivered
 * object is never sent to that destination again. Receivers see the same SOP Instance UID on
 * any re-send after a crash between their acknowledgement and our commit, so a PACS keeps one copy.
 */
export class OutboxWorker {
  private readonly timers = new Map<string, TimerHandle>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly health = new Map<string, DestinationHealth>();
  /** A destination that could not be reached is left alone until its back-off has passed. */
  private readonly pausedUntil = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: OutboxWorkerDeps) {
    for (const s of deps.senders) this.health.set(s.id, { id: s.id, up: null, consecutiveFailures: 0, lastError: null });
  }

  /** Starts every destination's loop (deliveries left from before a restart go first). */
  start(): void {
    for (const s of this.deps.senders) this.kick(s.id);
  }

  /** Runs a destination's loop now (after an enqueue); all destinations when none is named. */
  kick(destination?: string): void {
    if (this.closed) return;
    for (const s of this.deps.senders) {
      if (destination !== undefined && s.id !== destination) continue;
      if (this.running.has(s.id)) {
        this.again.add(s.id);
        continue;
      }
      this.timers.get(s.id)?.cancel();
      const p = this.run(s)
        .catch((err: unknown) => this.deps.logger.error({ err, destination: s.id }, 'write-back loop failed'))
        .finally(() => {
          this.running.delete(s.id);
          if (this.again.delete(s.id)) this.kick(s.id);
          else void this.schedule(s.id);
        });
      this.running.set(s.id, p);
    }
  }

  destinations(): DestinationHealth[] {
    return [...this.health.values()].map((h) => ({ ...h }));
  }

  /** Resolves when no destination loop is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.idle();
  }

  private async schedule(id: string): Promise<void> {
    if (this.closed) return;
    const now = this.deps.clock.now();
    const due = await this.deps.store.nextDueAt(id).catch(() => null);
    const paused = (this.pausedUntil.get(id) ?? 0) - now;
    const wait = Math.max(paused, due === null ? this.deps.config.pollMs : Math.max(0, Math.min(this.deps.config.pollMs, due - now)));
    if (this.closed) return;
    this.timers.get(id)?.cancel();
    this.timers.set(
      id,
      this.deps.clock.setTimer(wait, () => this.kick(id)),
    );
  }

  private async run(sender: DestinationSender): Promise<void> {
    const { store, clock, config } = this.deps;
    for (;;) {
      if (this.closed || clock.now() < (this.pausedUntil.get(sender.id) ?? 0)) return;
      const batch = await store.claimDue(sender.id, clock.now(), config.leaseMs, config.batchSize);
      if (!batch.length) return;
      let results: Map<string, SendResult>;
      try {
        results = await sender.send(
          batch.map((c) => ({
            id: c.object.id,
            contentType: c.object.contentType,
            studyInstanceUid: c.object.studyInstanceUid,
            body: c.object.body,
          })),
        );
      } catch (e) {
        results = new Map(batch.map((c) => [c.object.id, { ok: false, error: errorMessage(e), retry: true }]));
      }
      let reachable = false;
      for (const c of batch) {
        const r = results.get(c.object.id) ?? { ok: false, error: 'no result from sender', retry: true };
        const now = clock.now();
        if (r.ok) {
          reachable = true;
          await store.markDelivered(c, now);
          this.deps.observer?.attempt(sender.id, 'delivered');
          continue;
        }
        // The peer answered and refused this object: retrying cannot help.
        if (!r.retry) reachable = true;
        const giveUp = !r.retry || c.attempt >= config.maxAttempts;
        await store.markFailed(c, r.error, giveUp ? null : now + backoffDelay(config, c.attempt));
        this.deps.observer?.attempt(sender.id, giveUp ? 'failed' : 'retry');
        this.deps.logger.warn(
          { destination: sender.id, object: c.object.id, kind: c.object.kind, attempt: c.attempt, error: r.error, givenUp: giveUp },
          'write-back attempt failed',
        );
      }
      const h = this.health.get(sender.id);
      if (h) {
        const failures = batch.filter((c) => !results.get(c.object.id)?.ok);
        h.up = reachable;
        h.consecutiveFailures = reachable ? 0 : h.consecutiveFailures + 1;
        const last = failures.at(-1);
        const lr = last ? results.get(last.object.id) : undefined;
        h.lastError = lr && !lr.ok ? lr.error : h.lastError;
      }
      // A destination that is down: wait for the back-off instead of draining the queue into it.
      if (!reachable) {
        this.pausedUntil.set(sender.id, clock.now() + backoffDelay(config, Math.min(...batch.map((c) => c.attempt))));
        return;
      }
      this.pausedUntil.delete(sender.id);
    }
  }
}
