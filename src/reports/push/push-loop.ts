import type { Clock, TimerHandle } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { PushQueue } from './push-queue.ts';

export interface PushLoopOptions {
  queue: PushQueue;
  clock: Clock;
  logger: Logger;
  /** Sends one item; resolves when the peer acknowledged it, rejects otherwise. */
  deliver: (key: string) => Promise<void>;
  maxAttempts: number;
  /** First retry after this; doubles each attempt, capped at 5 minutes. */
  backoffMs: number;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Delivers a push queue's items one at a time, retrying with doubling back-off. The queue is in
 * the database, so items left pending by a stop or a crash are sent after the next start.
 * (readfirst's outbox for DICOM write-back follows the same idea; this loop serves FHIR and HL7.)
 */
export class PushLoop {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly o: PushLoopOptions) {}

  /** Looks for due items now (after an enqueue, or at start). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.o.logger.error({ err, channel: this.o.queue.channel }, 'push loop failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else void this.schedule();
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = await this.o.queue.due(this.o.clock.now());
      if (due.length === 0 || this.closed) return;
      for (const item of due) {
        if (this.closed) return;
        try {
          await this.o.deliver(item.key);
          await this.o.queue.delivered(item.key, this.o.clock.now());
        } catch (err) {
          const attempt = item.attempts + 1;
          const retryAt =
            attempt >= this.o.maxAttempts
              ? undefined
              : this.o.clock.now() + Math.min(MAX_BACKOFF_MS, this.o.backoffMs * 2 ** (attempt - 1));
          await this.o.queue.failed(item.key, errorMessage(err), this.o.clock.now(), retryAt);
          this.o.logger.warn(
            { channel: this.o.queue.channel, attempt, giveUp: retryAt === undefined, err: errorMessage(err) },
            'push attempt failed',
          );
        }
      }
    }
  }

  private async schedule(): Promise<void> {
    this.timer?.cancel();
    if (this.closed) return;
    const next = await this.o.queue.nextAt();
    if (next === undefined || this.closed) return;
    this.timer = this.o.clock.setTimer(Math.max(0, next - this.o.clock.now()), () => this.kick());
  }

  /** Waits for the current pass; later passes never start. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.running;
  }

  /** Resolves once no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
