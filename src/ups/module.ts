import { defineModule } from '../core/module.ts';
import { upsPriorityOf } from '../triage/ups-priority.ts';
import { upsMigrations } from './migrations.ts';
import { upsRoutes, uuidUid } from './routes.ts';
import { UpsStore } from './ups-store.ts';
import { TAG } from './workitem.ts';

export interface UpsServices {
  ups: UpsStore;
}

/**
 * UPS-RS workitems (IHE AIW-I): any system may create and perform workitems through the routes;
 * readfirst itself keeps one "AI triage" workitem per study on its worklist, SCHEDULED with the
 * priority of the study's urgency (critical/urgent → HIGH, routine → MEDIUM, likely-normal → LOW)
 * and re-prioritised while it is still SCHEDULED.
 */
export const upsModule = defineModule({
  name: 'ups',
  migrations: upsMigrations,
  async start(ctx, _deps: Record<never, never>) {
    const store = new UpsStore(ctx.db);
    // One study at a time, so two quick re-rankings never create two workitems.
    let chain: Promise<void> = Promise.resolve();
    const serial = (fn: () => Promise<void>): Promise<void> => {
      const next = chain.then(fn);
      chain = next.catch(() => undefined);
      return next;
    };
    const off = ctx.bus.on('worklist.changed', (e) =>
      serial(async () => {
        const priority = upsPriorityOf(e.urgency);
        const now = ctx.clock.now();
        const existing = await store.forStudy(e.studyInstanceUid);
        if (!existing) {
          await store.insert({
            uid: uuidUid(),
            state: 'SCHEDULED',
            priority,
            studyInstanceUid: e.studyInstanceUid,
            transactionUid: null,
            dataset: {
              [TAG.label]: { vr: 'LO', Value: ['readfirst AI triage'] },
              [TAG.studyInstanceUid]: { vr: 'UI', Value: [e.studyInstanceUid] },
              '00404041': { vr: 'CS', Value: ['READY'] },
              [TAG.scheduledStart]: { vr: 'DT', Value: [new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)] },
            },
            createdAt: now,
            updatedAt: now,
          });
        } else if (existing.state === 'SCHEDULED' && existing.priority !== priority) {
          await store.save({ ...existing, priority, updatedAt: now }, 'SCHEDULED');
        }
      }),
    );
    const provides: UpsServices = { ups: store };
    return {
      provides,
      routes: upsRoutes(store, ctx.clock, ctx.config.http.publicUrl),
      async close() {
        off();
        await chain;
      },
    };
  },
});
