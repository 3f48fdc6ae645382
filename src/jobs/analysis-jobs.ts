import pg from 'pg';
import PgBoss from 'pg-boss';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** One analysis job: one stored instance to be read by the models of `models`. */
export interface AnalysisJobData {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  /** The live model versions the ingest node expects (`id@version,…`): part of the idempotency key. */
  models: string;
  /** Epoch ms the instance was stored (for the arrival-to-start latency). */
  receivedAt: number;
}

/**
 * A study's completion pass (quiet period or expected count reached on an ingest process): reads
 * what is still unread and produces the study's final reading, which the SR, FHIR and HL7 wait for.
 */
export interface StudyJobData {
  studyInstanceUid: string;
  /** 1 for the first completion, 2+ when late instances re-opened the study: part of the key. */
  generation: number;
  /** Epoch ms of the last instance received (for the completion-to-start latency). */
  receivedAt: number;
}

export const ANALYSIS_QUEUE = 'analysis';
export const STUDY_QUEUE = 'analysis-study';
export const ANALYSIS_DEAD_LETTER = 'analysis-dead';
/** Critical-result alert deliveries and escalations (alerts/alert-service.ts `AlertTask`), scheduled with a start time. */
export const ALERT_QUEUE = 'alert';
/** Any fixed key: the advisory lock under which a process sets up the queues. */
const QUEUE_SETUP_LOCK = 7_270_603;
type Queue = typeof ANALYSIS_QUEUE | typeof STUDY_QUEUE | typeof ANALYSIS_DEAD_LETTER | typeof ALERT_QUEUE;
const QUEUES: readonly Queue[] = [ANALYSIS_QUEUE, STUDY_QUEUE, ANALYSIS_DEAD_LETTER, ALERT_QUEUE];

/**
 * Job priority from the order's priority (DICOM Requested Procedure Priority / HL7 ORC-7 values,
 * and the emergency department): higher runs first when the queue is deep (pg-boss fetches by
 * priority, then age).
 */
export function analysisPriority(order: { priority?: string | null; emergency?: boolean }): number {
  const p = (order.priority ?? '').trim().toUpperCase();
  if (p === 'STAT' || p === 'S') return 30;
  if (order.emergency) return 20;
  if (p === 'HIGH' || p === 'A' || p === 'ASAP') return 10;
  return 0;
}

/** The idempotency key: one job per SOP instance and set of model versions, however often it is sent. */
export const analysisKey = (d: Pick<AnalysisJobData, 'sopInstanceUid' | 'models'>): string => `${d.sopInstanceUid}|${d.models}`;

export interface AnalysisJobsOptions {
  connectionString: string;
  /** pg-boss's own schema (one per deployment). */
  schema: string;
  /** Attempts after the first, with exponential back-off from `retryDelaySeconds`. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** Visibility timeout: a job active this long (its worker was killed) is failed and retried. */
  expireInSeconds: number;
  /** How often an idle worker polls (pg-boss's minimum is 0.5 s). */
  pollingIntervalSeconds: number;
  metrics: Registry;
  onError: (error: unknown) => void;
}

/**
 * Analysis as durable jobs on PostgreSQL (pg-boss 10): the ingest role `enqueue`s one job per
 * stored instance, worker roles `work` them. The queue is `stately`: at most one queued and one
 * active job per idempotency key, so a re-sent instance or a replayed ingest journal never queues
 * it twice. A failed job is retried with back-off; one that fails `retryLimit + 1` times goes to
 * the dead-letter queue (counted in /metrics). A job whose worker died (kill -9) expires after
 * `expireInSeconds` and is retried elsewhere; the result store's unique index (migrations.ts)
 * makes that retry's effect exactly-once.
 */
export class AnalysisJobs {
  private constructor(
    private readonly boss: PgBoss,
    private readonly opts: AnalysisJobsOptions,
    private readonly latency: Histogram<'queue'>,
    private readonly outcomes: Counter<'queue' | 'outcome'>,
  ) {}

  static async start(opts: AnalysisJobsOptions): Promise<AnalysisJobs> {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`invalid pg-boss schema name ${opts.schema}`);
    const boss = new PgBoss({
      connectionString: opts.connectionString,
      schema: opts.schema,
      max: 4,
      schedule: false,
      // Maintenance is what fails expired jobs (a killed worker's): run it well inside the timeout.
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(opts.expireInSeconds / 2))),
    });
    boss.on('error', opts.onError);
    const retry = {
      retryLimit: opts.retryLimit,
      retryDelay: opts.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: opts.expireInSeconds,
    };
    // Processes starting together (an ingest and its workers) would create the queues' partitions
    // at once, and PostgreSQL answers that with "deadlock detected": one at a time, by a session lock.
    const lock = new pg.Client({ connectionString: opts.connectionString });
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [QUEUE_SETUP_LOCK]);
      await boss.start();
      for (const [name, options] of [
        [ANALYSIS_DEAD_LETTER, { policy: 'standard' }],
        [ANALYSIS_QUEUE, { policy: 'stately', deadLetter: ANALYSIS_DEAD_LETTER, ...retry }],
        [STUDY_QUEUE, { policy: 'stately', deadLetter: ANALYSIS_DEAD_LETTER, ...retry }],
        // The alert service does its own back-off (one job per attempt); pg-boss retries only a job whose worker died.
        [ALERT_QUEUE, { policy: 'standard', retryLimit: 2, retryDelay: 1, expireInSeconds: 60 }],
      ] as const)
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...options });
    } finally {
      await lock.end();
    }
    const registers = [opts.metrics];
    new Gauge({
      name: 'readfirst_jobs_queued',
      help: 'analysis jobs waiting (created or retry), per queue, and in the dead-letter queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        for (const q of QUEUES) this.set({ queue: q }, await boss.getQueueSize(q, { before: 'active' }));
      },
    });
    const latency = new Histogram({
      name: 'readfirst_job_queue_latency_seconds',
      help: 'instance stored (or study completed) to its analysis job started',
      labelNames: ['queue'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    const outcomes = new Counter({
      name: 'readfirst_jobs_total',
      help: 'analysis job attempts by queue and outcome',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    return new AnalysisJobs(boss, opts, latency, outcomes);
  }

  /** Queues one instance's analysis; null when a job with its key is already queued or running. */
  async enqueue(data: AnalysisJobData, priority: number): Promise<string | null> {
    return this.boss.send(ANALYSIS_QUEUE, data, { priority, singletonKey: analysisKey(data) });
  }

  /** Queues a study's completion pass; null when that completion (study and generation) is already queued or running. */
  async enqueueStudy(data: StudyJobData, priority: number): Promise<string | null> {
    return this.boss.send(STUDY_QUEUE, data, { priority, singletonKey: `${data.studyInstanceUid}|${data.generation}` });
  }

  /** Schedules a JSON task on the alert queue, to start `delayMs` from now on any worker. */
  async scheduleAlert(task: object, delayMs: number): Promise<void> {
    await this.boss.send(ALERT_QUEUE, task, delayMs > 0 ? { startAfter: new Date(Date.now() + delayMs) } : {});
  }

  /** Runs `handler` for alert tasks, `concurrency` at a time. */
  async workAlerts<T extends object>(concurrency: number, handler: (task: T) => Promise<void>): Promise<void> {
    for (let i = 0; i < concurrency; i++)
      await this.boss.work<T>(ALERT_QUEUE, { batchSize: 1, pollingIntervalSeconds: this.opts.pollingIntervalSeconds }, async ([job]) => {
        if (job) await handler(job.data);
      });
  }

  /**
   * Runs `handler` for analysis jobs, `concurrency` at a time, one job per fetch (a job is one
   * image; batching is the engine's business). A handler that throws fails the attempt (retried).
   */
  async work(concurrency: number, handler: (data: AnalysisJobData) => Promise<void>, now: () => number): Promise<void> {
    await this.workQueue(ANALYSIS_QUEUE, concurrency, handler, now);
  }

  /** Runs `handler` for study completion passes, as `work` does for images. */
  async workStudies(concurrency: number, handler: (data: StudyJobData) => Promise<void>, now: () => number): Promise<void> {
    await this.workQueue(STUDY_QUEUE, concurrency, handler, now);
  }

  private async workQueue<T extends { receivedAt: number }>(
    queue: Queue,
    concurrency: number,
    handler: (data: T) => Promise<void>,
    now: () => number,
  ): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      let workerId = '';
      workerId = await this.boss.work<T>(
        queue,
        { batchSize: 1, pollingIntervalSeconds: this.opts.pollingIntervalSeconds },
        async ([job]) => {
          if (!job) return;
          // pg-boss 10 waits the polling interval after every fetch, even one that found a job
          // (worker.js); measured: 4 pollers at 0.5 s completed 8 jobs/s. A worker that just got a
          // job asks for the next at once; only an empty queue makes it wait.
          if (workerId) this.boss.notifyWorker(workerId);
          this.latency.observe({ queue }, Math.max(0, now() - job.data.receivedAt) / 1000);
          try {
            await handler(job.data);
            this.outcomes.inc({ queue, outcome: 'completed' });
          } catch (e) {
            this.outcomes.inc({ queue, outcome: 'failed' });
            throw e;
          }
        },
      );
    }
  }

  /** Jobs waiting (created or retry) in a queue. */
  async queued(queue: Queue = ANALYSIS_QUEUE): Promise<number> {
    return this.boss.getQueueSize(queue, { before: 'active' });
  }

  /** Jobs by state (for readiness, tests and the bench). */
  async states(): Promise<Record<string, number>> {
    const rows = await this.boss
      .getDb()
      .executeSql(`SELECT name || ':' || state AS k, count(*)::int AS n FROM ${this.opts.schema}.job GROUP BY 1`, []);
    return Object.fromEntries((rows.rows as { k: string; n: number }[]).map((r) => [r.k, r.n]));
  }

  /**
   * Graceful stop: fetches no new jobs, lets in-flight ones finish for up to `timeoutMs`, then
   * fails those still running, which returns them to the queue for a retry (pg-boss `failWip`).
   */
  async stop(timeoutMs: number): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: Math.max(1000, timeoutMs) });
  }
}
