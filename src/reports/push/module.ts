import { defineModule, type NoServices } from '../../core/module.ts';
import { pushMigrations } from './migrations.ts';

/** The push queue's table, shared by the FHIR and HL7 senders; started before both. */
export const pushQueueModule = defineModule({
  name: 'push-queue',
  migrations: pushMigrations,
  async start(_ctx, _deps: Record<never, never>) {
    const provides: NoServices = {};
    return { provides };
  },
});
