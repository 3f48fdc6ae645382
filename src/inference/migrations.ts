import type { Migration } from '../store/migrate.ts';

/** Schema of the inference domain. */
export const inferenceMigrations: readonly Migration[] = [];
