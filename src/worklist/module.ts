import { defineModule } from '../core/module.ts';
import type { UserOf } from '../http/route.ts';
import { worklistMigrations } from './migrations.ts';
import { worklistRoutes } from './routes.ts';
import { SqlWorklistStore } from './sql-worklist-store.ts';
import { createWorklistService, type WorklistService } from './worklist-service.ts';
import type { StarvationGuardConfig } from './worklist-store.ts';

export interface WorklistDeps {
  /** The starvation guard the reading order applies (from the urgency policy). */
  starvationGuard: () => StarvationGuardConfig;
  userOf: UserOf;
}

export interface WorklistServices {
  worklist: WorklistService;
}

/** The radiologists' worklist: its store, REST routes and live stream. Ranks come from triage. */
export const worklistModule = defineModule({
  name: 'worklist',
  migrations: worklistMigrations,
  async start(ctx, deps: WorklistDeps) {
    const store = new SqlWorklistStore(ctx.db, ctx.clock, deps.starvationGuard);
    const worklist = createWorklistService({ store, clock: ctx.clock, bus: ctx.bus, claimTimeoutMs: ctx.config.triage.claimTimeoutMs });
    const provides: WorklistServices = { worklist };
    return { provides, routes: worklistRoutes({ service: worklist, bus: ctx.bus, clock: ctx.clock, userOf: deps.userOf }) };
  },
});
