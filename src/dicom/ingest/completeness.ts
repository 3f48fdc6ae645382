import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { EventBus } from '../../events/bus.ts';
import type { Logger } from '../../log/logger.ts';
import type { DicomIngestStore } from '../dicom-store.ts';
import type { IngestMetrics } from './metrics.ts';

/**
 * Study completeness, for the outputs that need the whole study (ranking does not wait for it:
 * studies are scored on arrival). A study is complete once it holds the instances expected for
 * its modality (`expectedInstances`, e.g. `{ CR: 1 }`), or else once `quietPeriodMs` has passed
 * since its last instance; it then emits one `study.complete`. A late instance re-opens it (the
 * store sets it back to 'receiving') and the event is emitted again with the next generation.
 * A sweep every quiet period also picks up studies received by another process (`readfirst
 * import`) or before a restart.
 */
export class CompletenessTracker {
  private readonly timers = new Map<string, TimerHandle>();
  private readonly pending = new Set<Promise<void>>();
  private sweepTimer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly deps: {
      store: DicomIngestStore;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      metrics: IngestMetrics;
      quietPeriodMs: number;
      /** Instances expected per modality; a study holding them is complete at once. */
      expectedInstances?: Readonly<Record<string, number>>;
    },
  ) {}

  /** Re-arms timers for studies left receiving and starts the periodic sweep. */
  async start(): Promise<void> {
    await this.sweep();
  }

  /** A new instance of `studyUid` arrived at `at`: (re)start its quiet period. */
  touched(studyUid: string, at: number): void {
    if (this.closed) return;
    this.arm(studyUid, at + this.deps.quietPeriodMs - this.deps.clock.now());
    if (Object.keys(this.deps.expectedInstances ?? {}).length > 0) this.track(this.checkExpected(studyUid));
  }

  /** The study's expected instance count, from its modality (the largest rule of its modalities). */
  private expectedCount(modalities: readonly string[]): number | undefined {
    const counts = modalities.map((m) => this.deps.expectedInstances?.[m.toUpperCase()]).filter((n): n is number => n !== undefined);
    return counts.length ? Math.max(...counts) : undefined;
  }

  /** Completes the study now if it holds the instances its modality expects. */
  private async checkExpected(studyUid: string): Promise<void> {
    const study = await this.deps.store.getStudy(studyUid);
    if (!study || study.completeness !== 'receiving' || this.closed) return;
    const expected = this.expectedCount(study.modalities);
    if (expected === undefined || study.numberOfInstances < expected) return;
    this.timers.get(studyUid)?.cancel();
    this.timers.delete(studyUid);
    await this.complete(studyUid, study.lastReceivedAt);
  }

  private arm(studyUid: string, delayMs: number): void {
    this.timers.get(studyUid)?.cancel();
    this.timers.set(
      studyUid,
      this.deps.clock.setTimer(Math.max(0, delayMs), () => {
        this.timers.delete(studyUid);
        this.track(this.check(studyUid));
      }),
    );
  }

  private track(p: Promise<void>): void {
    const done = p
      .catch((err: unknown) => this.deps.logger.error({ err }, 'completeness check failed'))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  private async check(studyUid: string): Promise<void> {
    const { store, clock, quietPeriodMs } = this.deps;
    // One study's row, not the list of every receiving study: a check per study stays O(1)
    // however many studies are still receiving.
    const study = await store.getStudy(studyUid);
    if (!study || study.completeness !== 'receiving' || this.closed) return;
    const due = study.lastReceivedAt + quietPeriodMs;
    if (due > clock.now()) {
      this.arm(studyUid, due - clock.now());
      return;
    }
    await this.complete(studyUid, study.lastReceivedAt);
  }

  private async complete(studyUid: string, lastReceivedAt: number): Promise<void> {
    const { store, clock, bus, metrics } = this.deps;
    const done = await store.markComplete(studyUid, lastReceivedAt, clock.now());
    if (!done) return;
    metrics.completed.inc();
    bus.emit('study.complete', {
      studyInstanceUid: studyUid,
      instanceCount: done.instanceCount,
      lastInstanceAt: lastReceivedAt,
      completedAt: clock.now(),
      generation: done.generation,
    });
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    const { store, clock, quietPeriodMs } = this.deps;
    for (const s of await store.receivingStudies()) {
      if (!this.timers.has(s.studyInstanceUid)) this.arm(s.studyInstanceUid, s.lastReceivedAt + quietPeriodMs - clock.now());
    }
    this.sweepTimer = clock.setTimer(Math.max(1000, quietPeriodMs), () => this.track(this.sweep()));
  }

  /** Resolves when every check started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sweepTimer?.cancel();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.idle();
  }
}
