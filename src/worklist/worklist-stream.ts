import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import type { EventBus } from '../events/bus.ts';
import { openEventStream } from '../http/sse.ts';
import type { WorklistService } from './worklist-service.ts';

/**
 * Streams worklist changes to one client until it disconnects, from the bus: re-rankings with the
 * study's new position (`worklist.changed`), claim and state changes (`worklist.state`), and
 * whole-list re-ranks after a policy change (`worklist.reranked`). Each frame reads the study's
 * row when the event arrives, so the event itself stays small enough to cross processes.
 */
export async function streamWorklist(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: { service: WorklistService; bus: EventBus; clock: Clock },
): Promise<void> {
  const { service, bus } = deps;
  const stream = openEventStream(req, reply, deps.clock);
  stream.send(
    'ready',
    service.counts().then((counts) => ({ counts })),
  );
  // A view: it also hears re-rankings made by worker processes on other hosts.
  const view = { remote: true };
  const offs = [
    bus.on(
      'worklist.changed',
      (e) => {
        stream.send(
          'worklist.changed',
          Promise.all([service.get(e.studyInstanceUid), service.position(e.studyInstanceUid)]).then(([item, position]) => ({
            type: 'ranked',
            item,
            position,
            previousUrgency: e.previousUrgency ?? null,
          })),
        );
      },
      view,
    ),
    bus.on(
      'worklist.state',
      (e) => {
        stream.send(
          'worklist.state',
          service.get(e.studyInstanceUid).then((item) => ({ type: 'state', item })),
        );
      },
      view,
    ),
    bus.on(
      'worklist.reranked',
      (e) => {
        stream.send('worklist.reranked', { type: 'reranked', changed: e.changed, policySource: e.policySource });
      },
      view,
    ),
  ];
  stream.onClose(() => {
    for (const off of offs) off();
  });
}
