import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, TimerHandle } from '../core/clock.ts';

/**
 * A named heartbeat event, not an SSE comment: the app sees it (comments never reach JavaScript)
 * and declares the connection lost when heartbeats stop, even where no TCP error arrives.
 */
export const HEARTBEAT_MS = 5_000;

/** One Server-Sent Events frame (HTML Living Standard, 9.2 "Server-sent events"). */
export function sseFrame(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** An open event stream to one client. */
export interface EventStream {
  /** Queues a frame; `data` may be a promise. Frames go out in the order `send` was called. */
  send(event: string, data: unknown): void;
  /** Runs once when the client goes away or the server shuts down. */
  onClose(fn: () => void): void;
  close(): void;
}

/** Open streams per server, so that shutdown can end them (they would otherwise hold it open). */
const open = new WeakMap<FastifyInstance, Set<EventStream>>();

/**
 * Takes over the reply as a `text/event-stream` with a `heartbeat` event every 5 s. The stream
 * is registered with its server: `closeEventStreams` ends it at shutdown.
 */
export function openEventStream(req: FastifyRequest, reply: FastifyReply, clock: Clock): EventStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  let seq = 0;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  const closers: Array<() => void> = [];
  let timer: TimerHandle | undefined;
  const registry = open.get(reply.server) ?? new Set<EventStream>();
  open.set(reply.server, registry);
  const finish = (): void => {
    if (closed) return;
    closed = true;
    timer?.cancel();
    registry.delete(stream);
    for (const fn of closers.splice(0)) fn();
  };
  const stream: EventStream = {
    send(event, data) {
      if (closed) return;
      chain = chain
        .then(async () => {
          const value = await data;
          if (!closed) res.write(sseFrame(event, value, seq++));
        })
        .catch((err: unknown) => req.log.warn({ err, event }, 'event stream frame dropped'));
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
    close() {
      finish();
      res.end();
    },
  };
  registry.add(stream);
  const beat = (): void => {
    timer = clock.setTimer(HEARTBEAT_MS, () => {
      stream.send('heartbeat', { at: clock.now() });
      beat();
    });
  };
  beat();
  req.raw.on('close', finish);
  return stream;
}

/** Ends every open event stream of `server` (shutdown: clients reconnect to the next server). */
export function closeEventStreams(server: FastifyInstance): number {
  const streams = [...(open.get(server) ?? [])];
  for (const s of streams) s.close();
  return streams.length;
}
