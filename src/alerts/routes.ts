import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef, UserOf } from '../http/route.ts';
import type { EventBus } from '../events/bus.ts';
import { openEventStream } from '../http/sse.ts';
import type { AlertService } from './alert-service.ts';

const idParams = z.object({ id: z.string().uuid() });
const listQuery = z.object({ status: z.enum(['open', 'acknowledged', 'all']).optional() });

/** In-app alerts: list, stream, acknowledge. */
export function alertRoutes(service: AlertService, deps: { bus: EventBus; clock: Clock; userOf: UserOf }): RouteDef[] {
  const { bus, clock, userOf } = deps;
  const id = (req: FastifyRequest): string => {
    const p = idParams.safeParse(req.params);
    if (!p.success) throw new ReadfirstError('invalid-input', 'alert id must be a UUID');
    return p.data.id;
  };
  return [
    {
      method: 'GET',
      url: '/api/alerts',
      access: 'authenticated',
      phi: true,
      summary: 'critical-result alerts (open by default)',
      handler: async (req) => {
        const q = listQuery.safeParse(req.query);
        if (!q.success) throw new ReadfirstError('invalid-input', 'status must be open, acknowledged or all');
        return { items: await service.list(q.data.status ?? 'open') };
      },
    },
    {
      method: 'GET',
      url: '/api/alerts/events',
      access: 'authenticated',
      phi: true,
      summary: 'Server-Sent Events: alerts raised, escalated, acknowledged',
      handler: async (req, reply) => {
        const stream = openEventStream(req, reply, clock);
        stream.send(
          'ready',
          service.list('open').then((open) => ({ open: open.length })),
        );
        // The alert as it now stands (raised, escalated or acknowledged), without its deliveries.
        const current = async (id: string): Promise<unknown> => {
          const a = await service.get(id);
          if (!a) return undefined;
          const { deliveries: _deliveries, ...alert } = a;
          return alert;
        };
        const offs = [
          bus.on('alert.raised', (e) => stream.send('alert', current(e.alertId)), { remote: true }),
          bus.on('alert.escalated', (e) => stream.send('alert', current(e.alertId)), { remote: true }),
          bus.on('alert.acknowledged', (e) => stream.send('alert', current(e.alertId)), { remote: true }),
        ];
        stream.onClose(() => {
          for (const off of offs) off();
        });
      },
    },
    {
      method: 'GET',
      url: '/api/alerts/:id',
      access: 'authenticated',
      phi: true,
      summary: 'one alert with its deliveries',
      handler: async (req) => {
        const a = await service.get(id(req));
        if (!a) throw new ReadfirstError('not-found', 'alert not found');
        return a;
      },
    },
    {
      method: 'POST',
      url: '/api/alerts/:id/acknowledge',
      access: 'authenticated',
      summary: 'acknowledge a critical-result alert (stops escalation)',
      handler: async (req) => {
        const user = userOf(req);
        if (!user) throw new ReadfirstError('unauthenticated', 'sign in required');
        return service.acknowledge(id(req), user);
      },
    },
  ];
}
