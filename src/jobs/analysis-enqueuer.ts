import type { StudyRecord } from '../dicom/dicom-store.ts';
import type { EventBus } from '../events/bus.ts';
import type { InstanceStoredEvent } from '../events/types.ts';
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
  jobs: Pick<AnalysisJobs, 'enqueue'>;
  /** The study's order facts (a DicomStore satisfies it). */
  studies: { getStudy(studyInstanceUid: string): Promise<OrderFacts | undefined> };
  /** The live model versions (`id@version,…`, sorted): with the SOP instance, the job's idempotency key. */
  models: string;
  onError: (error: unknown, studyInstanceUid: string) => void;
}

/**
 * The ingest role's half of analysis: one pg-boss job per newly stored instance, in place of the
 * in-process score-on-arrival queue. `instance.stored` is emitted once the instance is durable,
 * so a job never names an instance that could still be lost; a duplicate re-send queues nothing,
 * and the queue's idempotency key drops a second job for the same instance and models.
 * `close` unsubscribes and waits for the enqueues in flight (shutdown).
 */
export function startAnalysisEnqueuer(deps: AnalysisEnqueuerDeps): { close(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  const onStored = (e: InstanceStoredEvent): void => {
    if (e.duplicate) return;
    const p = (async () => {
      const priority = studyJobPriority(await deps.studies.getStudy(e.studyInstanceUid));
      await deps.jobs.enqueue(
        {
          studyInstanceUid: e.studyInstanceUid,
          seriesInstanceUid: e.seriesInstanceUid,
          sopInstanceUid: e.sopInstanceUid,
          models: deps.models,
          receivedAt: e.receivedAt,
        },
        priority,
      );
    })()
      .catch((err: unknown) => deps.onError(err, e.studyInstanceUid))
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const off = deps.bus.on('instance.stored', onStored);
  return {
    async close() {
      off();
      await Promise.allSettled([...pending]);
    },
  };
}
