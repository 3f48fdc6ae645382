import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { InMemoryBus, type EventBus, type Handler, type SubscribeOptions } from '../events/bus.ts';
import type { EventMap, EventName } from '../events/types.ts';
import type { Db } from '../store/db.ts';
import type { Migration } from '../store/migrate.ts';

/**
 * NOTIFY payloads must stay under 8000 bytes (PostgreSQL docs, NOTIFY). A larger event (a study
 * with many results) is written to `cluster_event` and the notification carries its row id.
 */
const MAX_INLINE_BYTES = 7000;
/** Spilled events older than this are deleted (every listener has read them long before). */
const SPILL_KEEP_MS = 3600_000;

export const clusterEventMigrations: readonly Migration[] = [
  {
    id: 'cluster-001-spilled-events',
    sql: 'CREATE TABLE cluster_event (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at BIGINT NOT NULL)',
  },
];

interface Wire {
  /** The emitting bus, so a process does not hear its own events twice. */
  o: string;
  e: EventName;
  /** The payload, or `r`: the id of the spilled row that holds it. */
  p?: unknown;
  r?: string;
}

export interface PgNotifyBusOptions {
  /** Database URL for the dedicated LISTEN connection. */
  connectionString: string;
  /** The shared store (NOTIFY and spilled events go through it). */
  db: Db;
  /** One channel per deployment (NOTIFY is per database, not per schema). */
  channel: string;
  /** The events carried between processes (EVENT_NAMES for all); the others stay local. */
  relayed: readonly EventName[];
  /** search_path for the LISTEN connection (where `cluster_event` lives), when not the default. */
  schema?: string;
  onError: (event: EventName | 'listen', error: unknown) => void;
  now: () => number;
  /** Wait before reconnecting a lost LISTEN connection (default 1 s). */
  reconnectMs?: number;
}

/**
 * The typed event bus across processes: `emit` delivers to this process's handlers (as the
 * in-memory bus does) and sends a NOTIFY; every other process's LISTEN connection hears it and
 * delivers to its handlers subscribed with `remote` (views: SSE streams, banners; a durable
 * effect is handled only where its event happened, see SubscribeOptions). Payloads are plain JSON already (events/types.ts), so an API
 * node's SSE streams see a worker's re-rankings unchanged.
 *
 * Delivery across processes is at-most-once: an event sent while a listener's connection is
 * down is missed by it (it reconnects after `reconnectMs`). State lives in the database, so a
 * client that missed one re-reads the worklist; nothing durable depends on an event.
 */
export class PgNotifyBus implements EventBus {
  /** Every handler: hears this process's own events. */
  private readonly local: InMemoryBus;
  /** Handlers subscribed with `remote`: also hear other processes' events. */
  private readonly remote: InMemoryBus;
  private readonly origin = randomUUID();
  private readonly relayed: ReadonlySet<EventName>;
  private client: pg.Client | undefined;
  private closed = false;
  private readonly sends = new Set<Promise<void>>();

  private constructor(private readonly opts: PgNotifyBusOptions) {
    this.local = new InMemoryBus(opts.onError);
    this.remote = new InMemoryBus(opts.onError);
    this.relayed = new Set(opts.relayed);
  }

  /** Connects the LISTEN connection before resolving, so nothing emitted afterwards is missed. */
  static async start(opts: PgNotifyBusOptions): Promise<PgNotifyBus> {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`invalid channel name ${opts.channel}`);
    const bus = new PgNotifyBus(opts);
    await bus.listen();
    return bus;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      ...(this.opts.schema ? { options: `-c search_path=${this.opts.schema}` } : {}),
    });
    client.on('notification', (n) => {
      if (n.channel === this.opts.channel && n.payload) void this.receive(n.payload);
    });
    const lost = (err?: unknown): void => {
      if (this.closed || this.client !== client) return;
      this.client = undefined;
      this.opts.onError('listen', err ?? new Error('LISTEN connection ended'));
      setTimeout(() => void this.reconnect(), this.opts.reconnectMs ?? 1000).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`LISTEN ${this.opts.channel}`);
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.listen();
    } catch (e) {
      this.opts.onError('listen', e);
      setTimeout(() => void this.reconnect(), this.opts.reconnectMs ?? 1000).unref();
    }
  }

  /** True while the LISTEN connection is up (readiness of a node that serves SSE). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  private async receive(raw: string): Promise<void> {
    let wire: Wire;
    try {
      wire = JSON.parse(raw) as Wire;
      if (wire.o === this.origin || !this.relayed.has(wire.e)) return;
      if (wire.r !== undefined) {
        const rows = await this.opts.db.query<{ body: string }>('SELECT body FROM cluster_event WHERE id = $1', [wire.r]);
        if (!rows[0]) throw new Error(`spilled event ${wire.r} not found`);
        wire.p = JSON.parse(rows[0].body);
      }
    } catch (e) {
      this.opts.onError('listen', e);
      return;
    }
    this.remote.emit(wire.e, wire.p as EventMap[typeof wire.e]);
  }

  on<E extends EventName>(event: E, handler: Handler<E>, opts?: SubscribeOptions): () => void {
    const offLocal = this.local.on(event, handler);
    if (!opts?.remote) return offLocal;
    const offRemote = this.remote.on(event, handler);
    return () => {
      offLocal();
      offRemote();
    };
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    this.local.emit(event, payload);
    this.relay(event, payload);
  }

  async publish<E extends EventName>(event: E, payload: EventMap[E]): Promise<void> {
    this.relay(event, payload);
    await this.local.publish(event, payload);
  }

  private relay<E extends EventName>(event: E, payload: EventMap[E]): void {
    if (!this.relayed.has(event) || this.closed) return;
    const p = this.send(event, payload)
      .catch((e: unknown) => this.opts.onError(event, e))
      .finally(() => this.sends.delete(p));
    this.sends.add(p);
  }

  private async send<E extends EventName>(event: E, payload: EventMap[E]): Promise<void> {
    let message = JSON.stringify({ o: this.origin, e: event, p: payload } satisfies Wire);
    if (Buffer.byteLength(message) > MAX_INLINE_BYTES) {
      const id = randomUUID();
      const now = this.opts.now();
      await this.opts.db.run('INSERT INTO cluster_event (id, body, created_at) VALUES ($1, $2, $3)', [id, JSON.stringify(payload), now]);
      await this.opts.db.run('DELETE FROM cluster_event WHERE created_at < $1', [now - SPILL_KEEP_MS]);
      message = JSON.stringify({ o: this.origin, e: event, r: id } satisfies Wire);
    }
    await this.opts.db.run('SELECT pg_notify($1, $2)', [this.opts.channel, message]);
  }

  async idle(): Promise<void> {
    while (this.sends.size > 0) await Promise.allSettled([...this.sends]);
    await this.local.idle();
    await this.remote.idle();
  }

  /** Sends what is queued, then ends the LISTEN connection. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
