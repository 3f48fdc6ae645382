import { defineModule } from '../core/module.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import type { WorklistService } from '../worklist/worklist-service.ts';
import { readingMigrations } from './migrations.ts';
import { ReadingService, type ResultSource } from './reading-service.ts';
import { readingRoutes } from './routes.ts';

export interface ReadingModuleDeps {
  results: ResultSource;
  studies: Pick<DicomStore, 'getStudy'>;
  /** After a signature the study's reading state becomes "read". */
  worklist: Pick<WorklistService, 'setState'>;
}

export interface ReadingServices {
  reading: ReadingService;
}

/** Verdicts, draft report, signing and reading time (`/api/readings/...`). */
export const readingModule = defineModule({
  name: 'reading',
  migrations: readingMigrations,
  async start(ctx, deps: ReadingModuleDeps) {
    const logger = ctx.logger.child({ mod: 'reading' });
    const reading = new ReadingService({
      db: ctx.db,
      clock: ctx.clock,
      bus: ctx.bus,
      results: deps.results,
      studyExists: async (uid) => (await deps.studies.getStudy(uid)) !== undefined,
      onSigned: async (r, reader) => {
        try {
          await deps.worklist.setState(r.studyInstanceUid, reader.username, 'read');
        } catch (err) {
          // A signed reading stands even when the study is not on the worklist (or is held by someone else).
          logger.warn({ err, studyInstanceUid: r.studyInstanceUid }, 'could not mark the study read on the worklist');
        }
      },
    });
    const provides: ReadingServices = { reading };
    return { provides, routes: readingRoutes(reading) };
  },
});
