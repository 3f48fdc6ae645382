import type { Migration } from './migrate.ts';
import { dicomMigrations } from '../dicom/migrations.ts';
import { inferenceMigrations } from '../inference/migrations.ts';
import { triageMigrations } from '../triage/migrations.ts';
import { securityMigrations } from '../security/migrations.ts';
import { readingMigrations } from '../reading/migrations.ts';
import { fhirMigrations } from '../reports/fhir/migrations.ts';
import { pushMigrations } from '../reports/push/migrations.ts';

/** Every domain's migrations, in the order the domains depend on each other. */
export const allMigrations: readonly Migration[] = [
  ...dicomMigrations,
  ...inferenceMigrations,
  ...triageMigrations,
  ...securityMigrations,
  ...readingMigrations,
  ...pushMigrations,
  ...fhirMigrations,
];
