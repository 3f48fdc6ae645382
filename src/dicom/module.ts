import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defineModule } from '../core/module.ts';
import { readTls } from '../http/tls.ts';
import type { InstanceFiles } from '../files/instance-files.ts';
import { instanceFilesDir } from '../files/local-instance-files.ts';
import type { DicomStore } from './dicom-store.ts';
import { dicomWebRoutes } from './dicomweb/routes.ts';
import { DimseServer, type DimseService } from './dimse/dimse-server.ts';
import { CompletenessTracker } from './ingest/completeness.ts';
import { createIngest, ingestLimits } from './ingest/create-ingest.ts';
import type { IngestService } from './ingest/ingest-service.ts';
import { dicomMigrations } from './migrations.ts';
import { SqlQidoStore } from './store/sql-qido-store.ts';

/** What the dicom module offers the others. */
export interface DicomServices {
  /** Patient → study → series → instance metadata, read-only for other domains. */
  studies: DicomStore;
  /** The stored instance bytes. */
  files: InstanceFiles;
  /** The one ingest path (C-STORE, STOW-RS and the demo all go through it). */
  ingest: IngestService;
  /** The C-STORE SCP, when enabled (tests read its bound port). */
  dimse: DimseService | undefined;
  /** Study completeness; `idle()` for tests and shutdown. */
  completeness: { idle(): Promise<void> };
}

/** What the composition root decides for this process. */
export interface DicomDeps {
  /**
   * This process takes instances in: the C-STORE SCP and study completeness (a scaled-out API
   * or worker process reads the shared store, and neither listens nor completes studies).
   */
  accept: boolean;
}

/**
 * The dicom domain: metadata store, instance files, quarantine, the shared ingest path, the
 * C-STORE SCP, DICOMweb (STOW-RS, QIDO-RS, WADO-RS) and study completeness, which hears
 * `instance.stored` and emits `study.complete`.
 */
export const dicomModule = defineModule({
  name: 'dicom',
  migrations: dicomMigrations,
  async start(ctx, deps: DicomDeps) {
    const logger = ctx.logger.child({ mod: 'dicom' });
    // Recovers acknowledged instances from the ingest journal before accepting anything new.
    const ingest = await createIngest({
      dataDir: ctx.config.dataDir,
      filesDir: instanceFilesDir(ctx.config),
      db: ctx.db,
      bus: ctx.bus,
      clock: ctx.clock,
      logger,
      metrics: ctx.metrics,
      limits: ingestLimits(ctx.config),
    });
    // Bodies spooled by an interrupted STOW request were never acknowledged: drop them.
    const spoolDir = join(ctx.config.dataDir, 'tmp', 'stow');
    await rm(spoolDir, { recursive: true, force: true });
    const tracker = new CompletenessTracker({
      store: ingest.store,
      bus: ctx.bus,
      clock: ctx.clock,
      logger,
      metrics: ingest.metrics,
      quietPeriodMs: ctx.config.ingest.quietPeriodMs,
      expectedInstances: ctx.config.ingest.expectedInstances,
    });
    const offStored = ctx.bus.on('instance.stored', (e) => {
      if (!e.duplicate) tracker.touched(e.studyInstanceUid, e.receivedAt);
    });
    if (deps.accept) await tracker.start();
    let dimse: DimseServer | undefined;
    if (deps.accept && ctx.config.dimse.enabled) {
      const d = ctx.config.dimse;
      dimse = new DimseServer({
        aeTitle: d.aeTitle,
        allowedCallingAeTitles: d.allowedCallingAeTitles,
        allowedSourceAddresses: d.allowedSourceAddresses,
        tls: readTls(d.tls, 'dimse.tls'),
        idleTimeoutMs: d.idleTimeoutMs,
        host: d.host,
        port: d.port,
        ingest: ingest.service,
        logger,
      });
      try {
        await dimse.start();
      } catch (e) {
        offStored();
        await tracker.close();
        await ingest.close();
        throw e;
      }
    }
    const provides: DicomServices = { studies: ingest.store, files: ingest.files, ingest: ingest.service, dimse, completeness: tracker };
    return {
      provides,
      routes: dicomWebRoutes({
        store: ingest.store,
        qido: new SqlQidoStore(ctx.db),
        files: ingest.files,
        ingest: ingest.service,
        publicUrl: ctx.config.http.publicUrl,
        qidoMaxResults: ctx.config.dicomweb.qidoMaxResults,
        stow: {
          spoolDir,
          maxBodyBytes: ctx.config.http.maxUploadBytes,
          maxConcurrent: ctx.config.http.maxConcurrentUploads,
          idleTimeoutMs: ctx.config.http.idleTimeoutMs,
        },
      }),
      async drain() {
        await dimse?.close();
      },
      async close() {
        offStored();
        await ingest.close();
        await tracker.close();
      },
    };
  },
});
