import type { StudyRecord } from '../dicom/dicom-store.ts';
import type { EventBus } from '../events/bus.ts';
import type { InstanceStoredEvent, StudyCompleteEvent } from '../events/types.ts';
import { type AnalysisJobs, analysisPriority } from './analysis-jobs.ts';

/** The default policy's emergency-department pattern (triage/default-policy.ts), for job order only. */
const EMERGENCY = /\b(ED|ER|A&E|AE|EMERG\w*|EMERGENCY)\b/i;

type OrderFacts = Pick<StudyRecord, 'requestedProcedurePriority' | 'patientLocation'>;

/** A study's job priority from its order: STAT first, then the emergency department. */
export function studyJobPriority(study: OrderFacts | undefined): number {
  return analysisPriority({ priority: study?.requestedProcedurePriority ?? null, emergency: EMERGENCY.test(study?.patientLocation ?? '') });
}

export interface AnalysisEnqueuerDeps {
  bus: EventBus;
  jobs: Pick<AnalysisJobs, 'enqueue' | 'enqueueStudy'>;
  /** The study's order facts (a DicomStore satisfies it). */
  studies: { getStudy(studyInstanceUid: string): Promise<OrderFacts | undefined> };
  /** The live model versions (`id@version,…`, sorted): with the SOP instance, the job's idempotency key. */
  models: string;
  onError: (error: unknown, studyInstanceUid: string) => void;
}

/**
 * The ingest role's half of analysis: one pg-boss job per newly stored instance, and one per
 * completed study (its completion pass), in place of the in-process score-on-arrival queue.
 * `instance.stored` is emitted once the instance is durable, so a job never names an instance
 * that could still be lost; a duplicate re-send queues nothing, and the queue's idempotency key
 * drops a second job for the same instance and models (or the same study completion).
 * `close` unsubscribes and waits for the enqueues in flight (shutdown).
 */
export function startAnalysisEnqueuer(deps: AnalysisEnqueuerDeps): { close(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  const track = (studyInstanceUid: string, enqueue: (priority: number) => Promise<unknown>): Promise<void> => {
    const p = (async () => {
      await enqueue(studyJobPriority(await deps.studies.getStudy(studyInstanceUid)));
    })()
      .catch((err: unknown) => deps.onError(err, studyInstanceUid))
      .finally(() => pending.delete(p));
    pending.add(p);
    return p;
  };
  const onStored = (e: InstanceStoredEvent): void => {
    if (e.duplicate) return;
    void track(e.studyInstanceUid, (priority) =>
      deps.jobs.enqueue(
        {
          studyInstanceUid: e.studyInstanceUid,
          seriesInstanceUid: e.seriesInstanceUid,
          sopInstanceUid: e.sopInstanceUid,
          models: deps.models,
          receivedAt: e.receivedAt,
        },
        priority,
      ),
    );
  };
  const onComplete = (e: StudyCompleteEvent): Promise<void> =>
    track(e.studyInstanceUid, (priority) =>
      deps.jobs.enqueueStudy({ studyInstanceUid: e.studyInstanceUid, generation: e.generation, receivedAt: e.lastInstanceAt }, priority),
    );
  const offs = [deps.bus.on('instance.stored', onStored), deps.bus.on('study.complete', onComplete)];
  return {
    async close() {
      for (const off of offs) off();
      await Promise.allSettled([...pending]);
    },
  };
}
