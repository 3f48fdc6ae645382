import type { Migration } from '../store/migrate.ts';

/** Schema of the reading domain. */
export const readingMigrations: readonly Migration[] = [];
