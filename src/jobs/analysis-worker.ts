import { ReadfirstError } from '../core/errors.ts';
import type { EventBus } from '../events/bus.ts';
import { readingOf } from '../inference/analyse-study.ts';
import type { SqlInferenceResultStore } from '../inference/result-store.ts';
import type { StudyAnalysedEvent } from '../events/types.ts';
import type { Logger } from '../log/logger.ts';
import type { AnalysisJobData, StudyJobData } from './analysis-jobs.ts';

export interface AnalysisWorkerDeps {
  /** Reads one instance with every routed model not yet read (inference/analyse-study.ts `analyseInstance`). */
  analyse: (job: AnalysisJobData) => Promise<void>;
  results: SqlInferenceResultStore;
  bus: EventBus;
  now: () => number;
}

/** PostgreSQL unique_violation: another attempt of this job stored the same reading first. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}

/**
 * The worker role's job handler: reads the instance, then emits `study.analysed` (carried to
 * the API nodes by the LISTEN/NOTIFY bus, so their worklists re-rank). A reading already stored
 * by an earlier attempt is skipped by `analyse` itself, and a racing duplicate is refused by the
 * unique index (jobs/migrations.ts): either way the job completes with one result per model
 * version. An instance whose every reading failed fails the attempt, so pg-boss retries it with
 * back-off and, past its retry limit, moves it to the dead-letter queue.
 */
export function analysisJobHandler(deps: AnalysisWorkerDeps): (job: AnalysisJobData) => Promise<void> {
  return async (job) => {
    try {
      await deps.analyse(job);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    const stored = await deps.results.listForStudy(job.studyInstanceUid);
    const mine = stored.filter((r) => r.sopInstanceUid === job.sopInstanceUid);
    if (mine.length > 0 && mine.every((r) => r.status === 'failed'))
      throw new ReadfirstError('unavailable', 'every reading of the instance failed; retrying', {
        reason: mine[mine.length - 1]?.statusReason ?? null,
      });
    // The job completes once the reading's effects here (the ranking) are stored.
    await deps.bus.publish(
      'study.analysed',
      readingOf(job.studyInstanceUid, stored, { sopInstanceUid: job.sopInstanceUid, complete: false }, deps.now()),
    );
  };
}

export interface StudyJobDeps {
  /** The completion pass (inference `finishStudy`): reads what is unread, returns the final reading. */
  finish: (studyInstanceUid: string) => Promise<StudyAnalysedEvent | undefined>;
  bus: EventBus;
  logger: Logger;
}

/**
 * The worker role's study-completion handler: emits the study's final reading (`complete`), which
 * the SR, FHIR and HL7 outputs wait for. A retried pass (its worker was killed) emits it again;
 * the outputs are idempotent (the SR's UID is derived from its content, the outbox keeps one
 * delivery per object and destination), so the study still gets one SR.
 */
export function studyJobHandler(deps: StudyJobDeps): (job: StudyJobData) => Promise<void> {
  return async (job) => {
    const reading = await deps.finish(job.studyInstanceUid);
    if (!reading) throw new ReadfirstError('unavailable', 'study completion interrupted; retrying');
    deps.logger.info({ study: job.studyInstanceUid, status: reading.status, results: reading.resultIds.length }, 'study analysed');
    // The job completes only once the SR, FHIR and HL7 outputs of the reading are queued: a
    // worker killed before then leaves the job to be retried, not the SR lost.
    await deps.bus.publish('study.analysed', reading);
  };
}
