import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { Db } from '../store/db.ts';
import type { RouteDef } from './route.ts';

/**
 * `/healthz` (liveness plus a database round trip) and Prometheus `/metrics`. Plain routes over
 * the infrastructure it is handed; the composition root mounts them (src/app/health-module.ts).
 */
export function healthRoutes(db: Db, metrics: Registry): RouteDef[] {
  collectDefaultMetrics({ register: metrics, prefix: 'readfirst_' });
  return [
    {
      method: 'GET',
      url: '/healthz',
      access: 'public',
      summary: 'liveness and database check',
      handler: async (_req, reply) => {
        try {
          await db.query('SELECT 1 AS ok');
          return { status: 'ok', database: db.dialect };
        } catch {
          return reply.status(503).send({ status: 'unavailable', database: db.dialect });
        }
      },
    },
    {
      method: 'GET',
      url: '/metrics',
      // An admin, or a scrape token (`readfirst token create --scope metrics`); kept in step with ACCESS.metrics.
      access: { roles: ['admin'], scopes: ['metrics'] },
      summary: 'Prometheus metrics',
      handler: async (_req, reply) => {
        void reply.header('content-type', metrics.contentType);
        return metrics.metrics();
      },
    },
  ];
}
