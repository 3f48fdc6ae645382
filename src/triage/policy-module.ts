import { defineModule } from '../core/module.ts';
import type { StarvationGuardConfig } from '../worklist/worklist-store.ts';
import { guardFloorMs } from './policy.ts';
import { PolicyHolder } from './policy-watch.ts';

/** What the urgency policy module offers: the policy in force and its starvation guard. */
export interface PolicyServices {
  policy: PolicyHolder;
  /** The policy's starvation guard as the worklist's reading order applies it. */
  starvationGuard: () => StarvationGuardConfig;
}

/**
 * The urgency policy (`triage.policyFile`, else the built-in default), reloaded when the file
 * changes. Started before the worklist, whose reading order uses its starvation guard, and
 * before the triage stage, which ranks with it.
 */
export const policyModule = defineModule({
  name: 'policy',
  async start(ctx, _deps: Record<never, never>) {
    const policy = new PolicyHolder(ctx.config.triage.policyFile, ctx.logger.child({ mod: 'triage' }));
    const provides: PolicyServices = {
      policy,
      starvationGuard: () => {
        const p = policy.get();
        return {
          floorMs: guardFloorMs(p),
          marginMs: p.starvationGuard.marginMinutes * 60_000,
          windowMs: p.starvationGuard.windowHours * 3600_000,
        };
      },
    };
    return {
      provides,
      routes: [
        {
          method: 'GET',
          url: '/api/worklist/policy',
          access: 'authenticated',
          summary: 'the urgency policy in force',
          handler: async () => policy.get(),
        },
      ],
      async close() {
        policy.close();
      },
    };
  },
});
