import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppContext, AppModule } from '../app/context.ts';
import { LocalInstanceFiles } from '../files/instance-files.ts';
import { IngestJournal } from '../files/journal/ingest-journal.ts';
import { retireSegment } from '../files/journal/segment-files.ts';
import { SegmentSweeper } from '../files/journal/segment-sweeper.ts';
import { Quarantine } from '../files/quarantine.ts';
import { readTls } from '../http/tls.ts';
import { DimseServer } from './dimse/dimse-server.ts';
import { dicomWebRoutes } from './dicomweb/routes.ts';
import { CompletenessTracker } from './ingest/completeness.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { replayJournal } from './ingest/journal-replay.ts';
import { createIngestMetrics } from './ingest/metrics.ts';
import { SqlDicomStore } from './store/sql-dicom-store.ts';

/**
 * The dicom domain: metadata store, instance files, quarantine, the shared ingest path, the
 * C-STORE SCP, DICOMweb (STOW-RS, QIDO-RS, WADO-RS) and study completeness.
 * Publishes `dicomStore`, `instanceFiles`, `ingest` and (when enabled) `dimse` on ctx.services.
 */
export async function initDicom(ctx: AppContext): Promise<AppModule> {
  const logger = ctx.logger.child({ mod: 'dicom' });
  const store = new SqlDicomStore(ctx.db);
  const files = new LocalInstanceFiles(join(ctx.config.dataDir, 'files'));
  const quarantine = new Quarantine(join(ctx.config.dataDir, 'quarantine'));
  const metrics = createIngestMetrics(ctx.metrics);
  const tracker = new CompletenessTracker({ store, bus: ctx.bus, clock: ctx.clock, logger, metrics, quietPeriodMs: ctx.config.ingest.quietPeriodMs });
  const ingest = new IngestService({
    store,
    files,
    quarantine,
    bus: ctx.bus,
    clock: ctx.clock,
    logger,
    metrics,
    limits: { maxNestingDepth: ctx.config.ingest.maxNestingDepth, maxElements: ctx.config.ingest.maxElements, maxInflatedBytes: ctx.config.ingest.maxInflatedBytes },
    onStored: (study, at) => tracker.touched(study, at),
  });
  ctx.services.dicomStore = store;
  ctx.services.instanceFiles = files;
  ctx.services.ingest = ingest;
  ctx.services.completeness = tracker;
  // Bodies spooled by an interrupted STOW request were never acknowledged: drop them.
  await rm(join(ctx.config.dataDir, 'tmp', 'stow'), { recursive: true, force: true });
  // Recover acknowledged instances from the ingest journal before accepting anything new.
  const journalDir = join(ctx.config.dataDir, 'journal');
  await replayJournal(journalDir, { store, files, logger });
  const sweeper = new SegmentSweeper({
    beforeRetire: () => store.makeDurable(),
    retire: (seq) => retireSegment(journalDir, seq, true),
    onError: (err, seq) => logger.error({ err, segment: seq }, 'ingest journal segment not retired; it is replayed at start-up'),
  });
  const journal = await IngestJournal.open(journalDir, { onSealed: sweeper.onSealed });
  files.useJournal(journal);
  const closeJournal = async (): Promise<void> => {
    files.useJournal(undefined);
    await journal.close();
    await sweeper.idle();
  };
  await tracker.start();
  let dimse: DimseServer | undefined;
  if (ctx.config.dimse.enabled) {
    const d = ctx.config.dimse;
    dimse = new DimseServer({ aeTitle: d.aeTitle, allowedCallingAeTitles: d.allowedCallingAeTitles, allowedSourceAddresses: d.allowedSourceAddresses, tls: readTls(d.tls, 'dimse.tls'), host: d.host, port: d.port, ingest, logger });
    try {
      await dimse.start();
    } catch (e) {
      await tracker.close();
      await closeJournal();
      throw e;
    }
    ctx.services.dimse = dimse;
  }
  return {
    name: 'dicom',
    routes: dicomWebRoutes({
      store,
      files,
      ingest,
      publicUrl: ctx.config.http.publicUrl,
      stow: { spoolDir: join(ctx.config.dataDir, 'tmp', 'stow'), maxBodyBytes: ctx.config.http.maxUploadBytes, maxConcurrent: ctx.config.http.maxConcurrentUploads, idleTimeoutMs: ctx.config.http.idleTimeoutMs },
    }),
    async close() {
      await dimse?.close();
      await closeJournal();
      await tracker.close();
    },
  };
}
