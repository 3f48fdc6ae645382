import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.ts';
import type { EventBus } from '../../events/bus.ts';
import { IngestJournal } from '../../files/journal/ingest-journal.ts';
import { retireSegment } from '../../files/journal/segment-files.ts';
import { SegmentSweeper } from '../../files/journal/segment-sweeper.ts';
import { LocalInstanceFiles } from '../../files/local-instance-files.ts';
import { Quarantine } from '../../files/quarantine.ts';
import type { Logger } from '../../log/logger.ts';
import type { Db } from '../../store/db.ts';
import type { DicomIngestStore } from '../dicom-store.ts';
import type { ParseLimits } from '../parse/part10.ts';
import { SqlDicomStore } from '../store/sql-dicom-store.ts';
import { IngestService } from './ingest-service.ts';
import { replayJournal } from './journal-replay.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';

export interface IngestDeps {
  /** The data directory: `quarantine/` and `journal/` live under it. */
  dataDir: string;
  /** The instance store's folder (`instanceFilesDir(config)`); default `<dataDir>/files`. */
  filesDir?: string;
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  /** Nesting, element-count and inflate bounds; the parser's defaults when absent. */
  limits?: ParseLimits;
}

/** The ingest limits of a configuration (`ingest.maxNestingDepth`, `maxElements`, `maxInflatedBytes`). */
export function ingestLimits(config: { ingest: ParseLimits }): ParseLimits {
  const { maxNestingDepth, maxElements, maxInflatedBytes } = config.ingest;
  return { maxNestingDepth, maxElements, maxInflatedBytes };
}

/** The one durable ingest path, opened: what the server's channels and `readfirst import` share. */
export interface Ingest {
  service: IngestService;
  store: DicomIngestStore;
  files: LocalInstanceFiles;
  quarantine: Quarantine;
  metrics: IngestMetrics;
  /** Seals the journal and waits until its segments are swept (files synced, database durable). */
  close(): Promise<void>;
}

/**
 * Opens the ingest path over a data directory: first replays the ingest journal (instances that
 * were acknowledged before a crash), then opens a fresh journal through which every write becomes
 * durable before it is acknowledged. The caller must hold the data-directory lock
 * (files/data-dir-lock.ts): two processes replaying one journal would corrupt each other's state.
 */
export async function createIngest(deps: IngestDeps): Promise<Ingest> {
  const { db, bus, clock, logger } = deps;
  const store = new SqlDicomStore(db);
  const files = new LocalInstanceFiles(deps.filesDir ?? join(deps.dataDir, 'files'));
  const quarantine = new Quarantine(join(deps.dataDir, 'quarantine'));
  const metrics = createIngestMetrics(deps.metrics);
  const journalDir = join(deps.dataDir, 'journal');
  await replayJournal(journalDir, { store, files, logger });
  const sweeper = new SegmentSweeper({
    beforeRetire: () => store.makeDurable(),
    retire: (seq) => retireSegment(journalDir, seq, true),
    onError: (err, seq) => logger.error({ err, segment: seq }, 'ingest journal segment not retired; it is replayed at start-up'),
  });
  const journal = await IngestJournal.open(journalDir, { onSealed: sweeper.onSealed });
  files.useJournal(journal);
  const service = new IngestService({
    store,
    files,
    quarantine,
    bus,
    clock,
    logger,
    metrics,
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
  return {
    service,
    store,
    files,
    quarantine,
    metrics,
    async close() {
      files.useJournal(undefined);
      await journal.close();
      await sweeper.idle();
    },
  };
}
