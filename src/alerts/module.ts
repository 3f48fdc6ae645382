import { defineModule } from '../core/module.ts';
import type { UserOf } from '../http/route.ts';
import type { WorklistService } from '../worklist/worklist-service.ts';
import { type AlertService, type AlertTaskQueue, createAlertService } from './alert-service.ts';
import { AlertStore } from './alert-store.ts';
import { alertMigrations } from './migrations.ts';
import { alertRoutes } from './routes.ts';

export interface AlertDeps {
  worklist: Pick<WorklistService, 'get'>;
  userOf: UserOf;
  /**
   * This process resumes deliveries and escalations left by a restart. Alerts are raised and
   * delivered where a study turns critical (the process that ranked it); a scaled-out deployment
   * resumes them on its worker processes only, so the API nodes never send.
   */
  deliver: boolean;
  /** Scaled out: alert deliveries and escalations as jobs any worker runs (src/jobs/); absent: timers here. */
  tasks?: AlertTaskQueue;
}

export interface AlertServices {
  alerts: AlertService;
}

/**
 * Critical-result alerts. Hears `worklist.changed` and raises one alert per study whose AI
 * reading is critical and which is still to be read.
 */
export const alertsModule = defineModule({
  name: 'alerts',
  migrations: alertMigrations,
  async start(ctx, deps: AlertDeps) {
    const store = new AlertStore(ctx.db);
    const logger = ctx.logger.child({ mod: 'alerts' });
    const service = createAlertService({
      ...(deps.tasks ? { tasks: deps.tasks } : {}),
      store,
      clock: ctx.clock,
      bus: ctx.bus,
      logger,
      config: ctx.config.alerts,
      publicUrl: ctx.config.http.publicUrl,
    });
    const off = ctx.bus.on('worklist.changed', async (e) => {
      if (e.urgency !== 'critical') return;
      const item = await deps.worklist.get(e.studyInstanceUid);
      if (!item || item.aiUrgency !== 'critical' || (item.state !== 'unread' && item.state !== 'in-progress')) return;
      const { alert, created } = await service.raise(item);
      if (created) logger.warn({ alert: alert.id, study: alert.studyInstanceUid, reason: alert.reason }, 'critical result alert raised');
    });
    if (deps.deliver) await service.resume();
    const provides: AlertServices = { alerts: service };
    return {
      provides,
      routes: alertRoutes(service, { bus: ctx.bus, clock: ctx.clock, userOf: deps.userOf }),
      async close() {
        off();
        service.close();
        await service.idle();
      },
    };
  },
});
