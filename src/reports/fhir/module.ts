import { defineModule } from '../../core/module.ts';
import type { DicomStore } from '../../dicom/dicom-store.ts';
import type { InferenceResultStore } from '../../inference/result.ts';
import { type FhirService, createFhirService } from './fhir-service.ts';
import { fhirMigrations } from './migrations.ts';
import { fhirRoutes } from './routes.ts';

export interface FhirDeps {
  studies: Pick<DicomStore, 'getStudy'>;
  results: Pick<InferenceResultStore, 'listForStudy'>;
}

export interface FhirServices {
  fhir: FhirService;
}

/**
 * FHIR R4 output (needs `pushQueueModule` started before it): hears `study.analysed`, keeps the study's DiagnosticReport, Observations,
 * ImagingStudy, Device and Patient, serves them at /fhir and pushes them when `fhir.pushUrl` is set.
 */
export const fhirModule = defineModule({
  name: 'fhir',
  migrations: fhirMigrations,
  async start(ctx, deps: FhirDeps) {
    const fhir = createFhirService({
      db: ctx.db,
      bus: ctx.bus,
      clock: ctx.clock,
      logger: ctx.logger.child({ mod: 'fhir' }),
      ...deps,
      config: ctx.config.fhir,
    });
    const provides: FhirServices = { fhir };
    return { provides, routes: fhirRoutes(fhir.store), close: () => fhir.close() };
  },
});
