import type { Clock } from '../core/clock.ts';
import { createLimiter } from '../core/limiter.ts';
import type { WorklistChangedEvent } from '../events/types.ts';
import type { Logger } from '../log/logger.ts';
import type { OutboxKind, OutboxObject, OutboxStore } from './outbox/outbox-store.ts';
import type { OutputObject } from './output-object.ts';
import { buildStudyOutputs, type StudyOutputDeps } from './study-outputs.ts';
import type { UrgencyNotice } from './writeback/orthanc-priority.ts';

export interface DestinationRoute {
  id: string;
  objects: readonly OutboxKind[];
}

export interface ReportsServiceDeps {
  outputs: StudyOutputDeps;
  outbox: OutboxStore;
  destinations: readonly DestinationRoute[];
  clock: Clock;
  logger: Logger;
  /** Called after objects were queued, so the destinations' loops run at once. */
  kick: () => void;
  /** Studies whose outputs are built at once (default {@link DEFAULT_OUTPUT_CONCURRENCY}). */
  concurrency?: number;
}

/**
 * Each study being written holds its decoded images and rendered heat-maps (tens of MB for a
 * 1024² image). Studies complete in bursts (the quiet period ends for a whole batch at once):
 * unbounded, 120 studies at once took 650 MB of buffers and left the process at 1 GB RSS after.
 */
export const DEFAULT_OUTPUT_CONCURRENCY = 2;

export interface ReportsService {
  /** Writes a study's outputs, keeps them in the outbox and queues them for their destinations. */
  writeStudy(studyInstanceUid: string): Promise<OutputObject[]>;
  /** Queues the study's new urgency for the destinations that take urgencies. */
  publishUrgency(e: WorklistChangedEvent): Promise<void>;
}

function toOutbox(o: OutputObject): OutboxObject {
  return {
    id: o.sopInstanceUid,
    studyInstanceUid: o.studyInstanceUid,
    kind: o.kind,
    contentType: 'application/dicom',
    sopClassUid: o.sopClassUid,
    seriesInstanceUid: o.seriesInstanceUid,
    description: o.description,
    body: o.bytes,
  };
}

/** The outputs domain's one service: writers in, outbox out. */
export function createReportsService(deps: ReportsServiceDeps): ReportsService {
  const targets = (kind: OutboxKind): string[] => deps.destinations.filter((d) => d.objects.includes(kind)).map((d) => d.id);
  const limit = createLimiter(deps.concurrency ?? DEFAULT_OUTPUT_CONCURRENCY);
  return {
    async writeStudy(studyInstanceUid) {
      // The objects' bytes are held until the outbox has them: both steps count against the limit.
      const objects = await limit.run(async () => {
        const built = await buildStudyOutputs(deps.outputs, studyInstanceUid);
        for (const o of built) await deps.outbox.enqueue(toOutbox(o), targets(o.kind), deps.clock.now());
        return built;
      });
      if (objects.length) deps.kick();
      deps.logger.info({ study: studyInstanceUid, objects: objects.map((o) => o.kind) }, 'AI outputs written');
      return objects;
    },
    async publishUrgency(e) {
      const to = targets('urgency');
      if (!to.length) return;
      const notice: UrgencyNotice = { studyInstanceUid: e.studyInstanceUid, urgency: e.urgency, reason: e.reason };
      await deps.outbox.enqueue(
        {
          id: `urgency:${e.studyInstanceUid}`,
          studyInstanceUid: e.studyInstanceUid,
          kind: 'urgency',
          contentType: 'application/json',
          sopClassUid: null,
          seriesInstanceUid: null,
          description: `urgency ${e.urgency}`,
          body: Buffer.from(JSON.stringify(notice)),
        },
        to,
        deps.clock.now(),
      );
      deps.kick();
    },
  };
}
