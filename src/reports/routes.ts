import { z } from 'zod';
import { ReadfirstError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { RouteDef } from '../http/route.ts';
import type { OutboxStore } from './outbox/outbox-store.ts';
import type { OutboxWorker } from './outbox/outbox-worker.ts';

const uidParams = z.object({ uid: z.string().regex(/^[0-9.]{1,64}$/) });
const idParams = z.object({ id: z.string().min(1).max(64) });

/** Destinations' state, a study's outputs and their deliveries, and an administrator's retry. */
export function reportsRoutes(
  outbox: OutboxStore,
  worker: OutboxWorker,
  destinations: readonly { id: string; type: string }[],
  clock: Clock,
): RouteDef[] {
  const param = <T extends z.ZodTypeAny>(schema: T, v: unknown): z.infer<T> => {
    const p = schema.safeParse(v);
    if (!p.success) throw new ReadfirstError('invalid-input', 'invalid path parameter');
    return p.data as z.infer<T>;
  };
  return [
    {
      method: 'GET',
      url: '/api/writeback/destinations',
      access: 'authenticated',
      summary: 'write-back destinations: queue counts, last error, reachable',
      handler: async () => {
        const counts = new Map((await outbox.destinationCounts()).map((c) => [c.destination, c]));
        const health = new Map(worker.destinations().map((h) => [h.id, h]));
        return {
          items: destinations.map((d) => {
            const c = counts.get(d.id);
            const h = health.get(d.id);
            return {
              id: d.id,
              type: d.type,
              up: h?.up ?? null,
              consecutiveFailures: h?.consecutiveFailures ?? 0,
              pending: c?.pending ?? 0,
              delivered: c?.delivered ?? 0,
              failed: c?.failed ?? 0,
              lastError: c?.lastError ?? h?.lastError ?? null,
              lastAttemptAt: c?.lastAttemptAt ?? null,
              lastDeliveredAt: c?.lastDeliveredAt ?? null,
            };
          }),
        };
      },
    },
    {
      method: 'POST',
      url: '/api/writeback/destinations/:id/retry',
      access: { roles: ['admin'] },
      summary: 'queue the given-up deliveries of a destination again',
      handler: async (req) => {
        const { id } = param(idParams, req.params);
        if (!destinations.some((d) => d.id === id)) throw new ReadfirstError('not-found', `no destination ${id}`);
        const requeued = await outbox.retryFailed(id, clock.now());
        worker.kick(id);
        return { requeued };
      },
    },
    {
      method: 'GET',
      url: '/api/studies/:uid/outputs',
      access: 'authenticated',
      phi: true,
      summary: "a study's AI output objects (SR, KOS, heat-maps) and their deliveries",
      handler: async (req) => {
        const { uid } = param(uidParams, req.params);
        const objects = await outbox.objectsOfStudy(uid);
        const deliveries = await outbox.deliveries({ studyInstanceUid: uid });
        return {
          items: objects.map((o) => ({
            id: o.id,
            kind: o.kind,
            sopClassUid: o.sopClassUid,
            seriesInstanceUid: o.seriesInstanceUid,
            description: o.description,
            sizeBytes: o.body.length,
            deliveries: deliveries.filter((d) => d.objectId === o.id),
          })),
        };
      },
    },
    {
      method: 'GET',
      url: '/api/outputs/:id',
      access: 'authenticated',
      phi: true,
      summary: 'one AI output object as application/dicom',
      handler: async (req, reply) => {
        const { id } = param(idParams, req.params);
        const o = await outbox.getObject(id);
        if (!o || o.contentType !== 'application/dicom') throw new ReadfirstError('not-found', 'no such output object');
        void reply.header('content-type', 'application/dicom');
        return o.body;
      },
    },
  ];
}
