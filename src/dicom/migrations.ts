import type { Migration } from '../store/migrate.ts';

/** Schema of the dicom domain. */
export const dicomMigrations: readonly Migration[] = [];
