import type { AppContext, AppModule } from '../../app/context.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { createFhirService } from './fhir-service.ts';
import { fhirRoutes } from './routes.ts';

/**
 * FHIR R4 output: hears `study.analysed`, keeps the study's DiagnosticReport, Observations,
 * ImagingStudy, Device and Patient, serves them at /fhir and pushes them when configured.
 * Needs the dicom and inference modules before it.
 */
export async function initFhir(ctx: AppContext): Promise<AppModule> {
  const studies = ctx.services.dicomStore;
  const results = ctx.services.inferenceResults;
  if (!studies || !results) throw new ReadfirstError('config', 'the fhir module needs the dicom and inference modules started before it');
  const service = createFhirService({ db: ctx.db, bus: ctx.bus, clock: ctx.clock, logger: ctx.logger.child({ mod: 'fhir' }), studies, results, config: ctx.config.fhir });
  ctx.services.fhir = service;
  return { name: 'fhir', routes: fhirRoutes(service.store), close: () => service.close() };
}
