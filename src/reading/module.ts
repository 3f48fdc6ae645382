import type { AppContext, AppModule } from '../app/context.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import type { InferenceResultStore } from '../inference/result.ts';
import { AfterSigning } from './after-signing.ts';
import { afterSigningRoutes } from './after-signing-routes.ts';
import { ReadingService, type ResultSource } from './reading-service.ts';
import { readingRoutes } from './routes.ts';
import { worklistAdapter } from './worklist-adapter.ts';

function isResultSource(v: unknown): v is ResultSource {
  return typeof v === 'object' && v !== null && typeof (v as Partial<InferenceResultStore>).listForStudy === 'function';
}

/** Finds the inference result store another module published, whichever name it used. */
export function resultSourceOf(services: AppContext['services']): ResultSource | undefined {
  for (const name of ['inferenceResults', 'results', 'inference']) {
    const v = services[name];
    if (isResultSource(v)) return v;
    const nested = typeof v === 'object' && v !== null ? (v as Record<string, unknown>).results : undefined;
    if (isResultSource(nested)) return nested;
  }
  return undefined;
}

/** Verdicts, draft report, signing and reading time (`/api/readings/...`). */
export async function initReading(ctx: AppContext): Promise<AppModule> {
  const worklist = worklistAdapter(ctx);
  const service = new ReadingService({
    db: ctx.db,
    clock: ctx.clock,
    bus: ctx.bus,
    results: () => resultSourceOf(ctx.services),
    studyExists: async (uid) => {
      const store = ctx.services.dicomStore as Partial<DicomStore> | undefined;
      return typeof store?.getStudy === 'function' ? (await store.getStudy(uid)) !== undefined : true;
    },
    onSigned: async (r, reader) => worklist.markRead(r.studyInstanceUid, reader.username),
  });
  ctx.services.reading = service;
  const dicomStore = (): Pick<DicomStore, 'getStudy' | 'findStudies'> | undefined => {
    const store = ctx.services.dicomStore as Partial<DicomStore> | undefined;
    return typeof store?.getStudy === 'function' && typeof store.findStudies === 'function' ? (store as DicomStore) : undefined;
  };
  const after = new AfterSigning({
    db: ctx.db,
    clock: ctx.clock,
    store: service.store,
    studies: dicomStore,
    onAddendum: async (uid, reader) => worklist.markAddended(uid, reader.username),
  });
  return { name: 'reading', routes: [...readingRoutes(service), ...afterSigningRoutes(after)] };
}
