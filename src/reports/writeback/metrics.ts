import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutboxObserver } from '../outbox/outbox-worker.ts';

/**
 * Prometheus metrics of the write-back, per destination: attempts by outcome, deliveries by state
 * (read from the outbox at scrape time, so they are right after a restart) and whether the
 * destination's last attempt reached it.
 */
export function createWritebackMetrics(
  registry: Registry,
  source: {
    counts(): Promise<{ destination: string; pending: number; delivered: number; failed: number }[]>;
    up(): { id: string; up: boolean | null }[];
  },
): OutboxObserver {
  const registers = [registry];
  const attempts = new Counter({
    name: 'readfirst_writeback_attempts_total',
    help: 'Write-back attempts by destination and outcome (delivered, retry, failed = given up)',
    labelNames: ['destination', 'outcome'],
    registers,
  });
  new Gauge({
    name: 'readfirst_writeback_deliveries',
    help: 'Outbox deliveries by destination and state (pending, delivered, failed)',
    labelNames: ['destination', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const c of await source.counts())
        for (const state of ['pending', 'delivered', 'failed'] as const) this.set({ destination: c.destination, state }, c[state]);
    },
  });
  new Gauge({
    name: 'readfirst_writeback_destination_up',
    help: '1 when the destination took the last attempt, 0 when it could not be reached; absent before the first attempt',
    labelNames: ['destination'],
    registers,
    collect() {
      this.reset();
      for (const d of source.up()) if (d.up !== null) this.set({ destination: d.id }, d.up ? 1 : 0);
    },
  });
  return { attempt: (destination, outcome) => attempts.inc({ destination, outcome }) };
}
