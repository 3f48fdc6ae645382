import type { FastifyRequest } from 'fastify';
import type { AppContext, AppModule } from '../app/context.ts';
import { defaultUserOf } from '../triage/module.ts';
import { createAlertService } from './alert-service.ts';
import { AlertStore } from './alert-store.ts';
import { alertRoutes } from './routes.ts';

/**
 * Critical-result alerts. Listens for worklist changes and raises one alert per study whose AI
 * reading is critical and which is still to be read. Publishes `ctx.services.alerts`.
 */
export async function initAlerts(ctx: AppContext, userOf: (req: FastifyRequest) => string | undefined = defaultUserOf): Promise<AppModule> {
  const store = new AlertStore(ctx.db);
  const logger = ctx.logger.child({ mod: 'alerts' });
  const service = createAlertService({ store, clock: ctx.clock, bus: ctx.bus, logger, config: ctx.config.alerts, publicUrl: ctx.config.http.publicUrl });
  ctx.services.alerts = service;
  const off = ctx.bus.on('worklist.changed', async (e) => {
    if (e.urgency !== 'critical') return;
    const item = await ctx.services.worklist?.get(e.studyInstanceUid);
    if (!item || item.aiUrgency !== 'critical' || (item.state !== 'unread' && item.state !== 'in-progress')) return;
    const { alert, created } = await service.raise(item);
    if (created) logger.warn({ alert: alert.id, study: alert.studyInstanceUid, reason: alert.reason }, 'critical result alert raised');
  });
  await service.resume();
  return {
    name: 'alerts',
    routes: alertRoutes(service, ctx.clock, userOf),
    async close() {
      off();
      service.close();
      await service.idle();
    },
  };
}
