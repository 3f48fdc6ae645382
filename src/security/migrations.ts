import type { Migration } from '../store/migrate.ts';

/** Schema of the security domain. */
export const securityMigrations: readonly Migration[] = [];
