import type { Migration } from '../store/migrate.ts';

/** Schema of the triage domain. */
export const triageMigrations: readonly Migration[] = [];
