import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { Db } from '../store/db.ts';
import type { RouteDef } from './route.ts';

/** One readiness check: true when ready, or the reason it is not. */
export type ReadinessCheck = () => Promise<true | string> | true | string;

/**
 * What `/readyz` checks, filled in by the composition root as it starts each part of the
 * process's role (the database always; the DIMSE listener, the models, the job queue, the
 * LISTEN connection where the role has them). A load balancer sends traffic only to a ready node.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  constructor(readonly role: string) {}

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    for (const [name, check] of this.checks) {
      try {
        const r = await check();
        checks[name] = r === true ? 'ok' : r;
      } catch (e) {
        checks[name] = e instanceof Error ? e.message : String(e);
      }
    }
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  }
}

/**
 * `/healthz` (liveness plus a database round trip), `/readyz` (readiness of this process's role)
 * and Prometheus `/metrics`. Plain routes over the infrastructure it is handed; the composition
 * root mounts them (src/app/modules.ts, healthModule).
 */
export function healthRoutes(db: Db, metrics: Registry, readiness: Readiness = new Readiness('all')): RouteDef[] {
  collectDefaultMetrics({ register: metrics, prefix: 'readfirst_' });
  readiness.add('database', async () => {
    await db.query('SELECT 1 AS ok');
    return true as const;
  });
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
      url: '/readyz',
      access: 'public',
      summary: 'readiness of this process for its role (database, listeners, models, job queue, events)',
      handler: async (_req, reply) => {
        const { ready, checks } = await readiness.report();
        return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', role: readiness.role, checks });
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
