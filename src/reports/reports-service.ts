import type { Clock } from '../core/clock.ts';
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
}

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
  return {
    async writeStudy(studyInstanceUid) {
      const objects = await buildStudyOutputs(deps.outputs, studyInstanceUid);
      for (const o of objects) await deps.outbox.enqueue(toOutbox(o), targets(o.kind), deps.clock.now());
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
