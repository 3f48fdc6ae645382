import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../events/bus.ts';
import type { InstanceStoredEvent, StudyCompleteEvent } from '../events/types.ts';
import type { Logger } from '../log/logger.ts';
import { AnalysisQueue, type AnalysisJob } from './analysis-queue.ts';
import { analyseVolumes } from './volume/analyse-volumes.ts';
import { analyseInstance, studyReading, unreadImages, type StudyAnalysisDeps } from './analyse-study.ts';
import type { StudyAnalysedEvent } from '../events/types.ts';

type ImageJob = Awaited<ReturnType<typeof unreadImages>>[number];

/**
 * The completion pass of a study, wherever it runs (score on arrival here, an analysis job on a
 * worker process, src/jobs/): `readUnread` reads the images still without a reading (deferred by
 * a full queue, or whose job has not run) and says whether to go on (false: shutting down, the
 * study is not wholly read, so no final reading is claimed). Then CT and MR series are read
 * whole (a preparation worker per series), and the study's final reading (`complete`) is returned.
 */
export async function finishStudy(
  deps: StudyAnalysisDeps,
  studyUid: string,
  readUnread: (unread: ImageJob[]) => Promise<boolean>,
): Promise<StudyAnalysedEvent | undefined> {
  if (!(await readUnread(await unreadImages(deps, studyUid)))) return undefined;
  await analyseVolumes(deps, studyUid);
  const reading = await studyReading(deps, studyUid, { sopInstanceUid: null, complete: true });
  if (reading.resultIds.length === 0) reading.status = 'failed';
  return reading;
}

export interface ScoreOnArrivalDeps extends StudyAnalysisDeps {
  bus: EventBus;
  logger: Logger;
  metrics: Registry;
  /** Images held waiting at most (inference.queueCapacity). */
  capacity: number;
  /** Images analysed at once (workers × maxBatch fills every batch). */
  concurrency: number;
}

export interface ScoreOnArrival {
  queue: AnalysisQueue;
  close(): Promise<void>;
}

/**
 * Score on arrival: every image is analysed as soon as it is durable (`instance.stored`), and
 * each reading emits `study.analysed` with the study's results so far, so triage re-ranks the
 * study image by image. `study.complete` (quiet period or expected count) reads what is still
 * unread, e.g. images deferred by a full queue, then emits the study's final reading
 * (`complete: true`), which outputs that need the whole study wait for.
 *
 * The `instance.stored` handler only offers a key to the bounded queue: it never waits, so an
 * acknowledgement never waits behind analysis.
 */
export function startScoreOnArrival(deps: ScoreOnArrivalDeps): ScoreOnArrival {
  const log = deps.logger;
  const registers = [deps.metrics];
  const depth = new Gauge({ name: 'readfirst_analysis_queue_depth', help: 'images waiting for analysis', registers });
  const inFlight = new Gauge({ name: 'readfirst_analysis_in_flight', help: 'images being analysed', registers });
  const deferred = new Counter({
    name: 'readfirst_analysis_deferred_total',
    help: 'images not queued on arrival because the queue was full (read at study completion)',
    registers,
  });
  const images = new Counter({ name: 'readfirst_inference_images_total', help: 'images analysed on arrival or at completion', registers });

  const run = async (job: AnalysisJob): Promise<void> => {
    await analyseInstance(deps, job);
    images.inc();
    deps.bus.emit(
      'study.analysed',
      await studyReading(deps, job.studyInstanceUid, { sopInstanceUid: job.sopInstanceUid, complete: false }),
    );
  };
  const queue = new AnalysisQueue({
    capacity: deps.capacity,
    concurrency: deps.concurrency,
    run,
    onChange: (s) => {
      depth.set(s.queued);
      inFlight.set(s.inFlight);
      if (s.deferred) deferred.inc();
    },
  });
  let closing = false;
  // At shutdown the queue drops what waits (it is read again when the study completes after the restart): not an error.
  const failed = (what: string, study: string) => (err: unknown) =>
    closing ? log.debug({ study }, `${what}: shutting down`) : log.error({ err, study }, what);

  const onStored = (e: InstanceStoredEvent): void => {
    if (e.duplicate) return;
    queue
      .offer({ studyInstanceUid: e.studyInstanceUid, seriesInstanceUid: e.seriesInstanceUid, sopInstanceUid: e.sopInstanceUid })
      ?.catch(failed('image analysis failed', e.studyInstanceUid));
  };
  const onComplete = async (e: StudyCompleteEvent): Promise<void> => {
    const reading = await finishStudy(deps, e.studyInstanceUid, async (unread) => {
      const settled = await Promise.allSettled(unread.map((job) => queue.put(job)));
      // Shutting down: the study is not wholly read, so no final reading is claimed. Its unread
      // images are read when a late instance re-opens it; nothing re-reads them otherwise yet.
      if (closing) return false;
      for (const s of settled) if (s.status === 'rejected') failed('image analysis failed', e.studyInstanceUid)(s.reason);
      return true;
    });
    if (!reading) return;
    log.info({ study: e.studyInstanceUid, status: reading.status, results: reading.resultIds.length }, 'study analysed');
    deps.bus.emit('study.analysed', reading);
  };

  const inflight = new Set<Promise<void>>();
  const offs = [
    deps.bus.on('instance.stored', onStored),
    deps.bus.on('study.complete', (e) => {
      const p = onComplete(e).catch((err: unknown) => {
        if (closing) return;
        log.error({ err, study: e.studyInstanceUid }, 'study analysis failed');
        deps.bus.emit('study.analysed', {
          studyInstanceUid: e.studyInstanceUid,
          status: 'failed',
          resultIds: [],
          analysedAt: deps.now(),
          sopInstanceUid: null,
          complete: true,
        });
      });
      inflight.add(p);
      return p.finally(() => inflight.delete(p));
    }),
  ];
  return {
    queue,
    async close() {
      closing = true;
      for (const off of offs) off();
      await queue.close();
      await Promise.allSettled([...inflight]);
    },
  };
}
