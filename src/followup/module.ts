import { defineModule } from '../core/module.ts';
import type { UserOf } from '../http/route.ts';
import { FollowUpRegistry } from './followup-registry.ts';
import { followUpMigrations } from './migrations.ts';
import { followUpRoutes } from './routes.ts';

export interface FollowUpServices {
  followUps: FollowUpRegistry;
}

/** The follow-up registry (findings that call for a later check, not an urgent read) and its routes. */
export const followUpModule = defineModule({
  name: 'followup',
  migrations: followUpMigrations,
  async start(ctx, deps: { userOf: UserOf }) {
    const followUps = new FollowUpRegistry(ctx.db, ctx.clock);
    const provides: FollowUpServices = { followUps };
    return { provides, routes: followUpRoutes(followUps, deps.userOf) };
  },
});
