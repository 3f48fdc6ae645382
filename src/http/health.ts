import { collectDefaultMetrics } from 'prom-client';
import type { AppContext, AppModule } from '../app/context.ts';

/** `/healthz` (liveness plus a database round trip) and Prometheus `/metrics`. */
export async function initHealth(ctx: AppContext): Promise<AppModule> {
  collectDefaultMetrics({ register: ctx.metrics, prefix: 'readfirst_' });
  return {
    name: 'health',
    routes: [
      {
        method: 'GET',
        url: '/healthz',
        access: 'public',
        summary: 'liveness and database check',
        handler: async (_req, reply) => {
          try {
            await ctx.db.query('SELECT 1 AS ok');
            return { status: 'ok', database: ctx.db.dialect };
          } catch {
            return reply.status(503).send({ status: 'unavailable', database: ctx.db.dialect });
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
          void reply.header('content-type', ctx.metrics.contentType);
          return ctx.metrics.metrics();
        },
      },
    ],
  };
}
