import { defineModule } from '../core/module.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import type { WorklistService } from '../worklist/worklist-service.ts';
import { AfterSigning } from './after-signing.ts';
import { afterSigningRoutes } from './after-signing-routes.ts';
import { readingMigrations } from './migrations.ts';
import { ReadingService, type ResultSource } from './reading-service.ts';
import { readingRoutes } from './routes.ts';

export interface ReadingModuleDeps {
  results: ResultSource;
  /** Studies by UID (readings of unknown studies are refused) and by patient (priors). */
  studies: Pick<DicomStore, 'getStudy' | 'findStudies'>;
  /** After a signature the study's reading state becomes "read"; after an addendum, "addended". */
  worklist: Pick<WorklistService, 'setState'>;
}

export interface ReadingServices {
  reading: ReadingService;
}

/** Verdicts, draft report, signing and reading time, addenda, critical-result log, priors (`/api/readings/...`). */
export const readingModule = defineModule({
  name: 'reading',
  migrations: readingMigrations,
  async start(ctx, deps: ReadingModuleDeps) {
    const logger = ctx.logger.child({ mod: 'reading' });
    const mark = async (studyUid: string, username: string, state: 'read' | 'addended'): Promise<void> => {
      try {
        await deps.worklist.setState(studyUid, username, state);
      } catch (err) {
        // A signed reading stands even when the study is not on the worklist (or is held by someone else).
        logger.warn({ err, studyInstanceUid: studyUid }, `could not mark the study ${state} on the worklist`);
      }
    };
    const reading = new ReadingService({
      db: ctx.db,
      clock: ctx.clock,
      bus: ctx.bus,
      results: deps.results,
      studyExists: async (uid) => (await deps.studies.getStudy(uid)) !== undefined,
      onSigned: async (r, reader) => mark(r.studyInstanceUid, reader.username, 'read'),
    });
    const after = new AfterSigning({
      db: ctx.db,
      clock: ctx.clock,
      store: reading.store,
      studies: () => deps.studies,
      onAddendum: async (uid, reader) => mark(uid, reader.username, 'addended'),
    });
    const provides: ReadingServices = { reading };
    return { provides, routes: [...readingRoutes(reading), ...afterSigningRoutes(after)] };
  },
});
