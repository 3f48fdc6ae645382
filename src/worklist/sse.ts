import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { WorklistChange, WorklistService } from './worklist-service.ts';

/**
 * A named heartbeat, not an SSE comment: the app sees it (comments never reach JavaScript) and
 * declares the connection lost when heartbeats stop, even where no TCP error arrives.
 */
export const HEARTBEAT_MS = 5_000;

/** One Server-Sent Events frame (HTML Living Standard, 9.2 "Server-sent events"). */
export function sseFrame(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function eventName(c: WorklistChange): string {
  switch (c.type) {
    case 'ranked':
      return 'worklist.changed';
    case 'state':
      return 'worklist.state';
    case 'reranked':
      return 'worklist.reranked';
  }
}

/**
 * Streams worklist changes to one client until it disconnects: re-rankings with the study's new
 * position, claim and state changes, and whole-list re-ranks after a policy change.
 */
export async function streamWorklist(req: FastifyRequest, reply: FastifyReply, service: WorklistService, clock: Clock): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.socket?.setNoDelay(true);
  let seq = 0;
  res.write(sseFrame('ready', { counts: await service.counts() }, seq++));
  const unsubscribe = service.subscribe((c) => {
    res.write(sseFrame(eventName(c), c, seq++));
  });
  let timer: TimerHandle | undefined;
  const beat = (): void => {
    timer = clock.setTimer(HEARTBEAT_MS, () => {
      res.write(sseFrame('heartbeat', { at: clock.now() }));
      beat();
    });
  };
  beat();
  req.raw.on('close', () => {
    unsubscribe();
    timer?.cancel();
  });
}
