import type { Clock, TimerHandle } from '../core/clock.ts';
import { ReadfirstError, errorMessage } from '../core/errors.ts';
import type { Config } from '../config/schema.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from '../log/logger.ts';
import type { WorklistItem } from '../worklist/worklist-item.ts';
import type { Alert } from './alert.ts';
import type { AlertStore, Delivery } from './alert-store.ts';
import { sendMail } from './smtp.ts';
import { postWebhook, type WebhookTarget } from './webhook.ts';

/** The alerts as the web app sees them (`ctx.services.alerts`). */
export interface AlertService {
  list(status?: 'open' | 'acknowledged' | 'all'): Promise<Alert[]>;
  get(id: string): Promise<(Alert & { deliveries: Delivery[] }) | undefined>;
  acknowledge(id: string, user: string): Promise<Alert>;
  /** Raises the study's alert unless it already has one (one alert per study, ever). */
  raise(
    item: Pick<WorklistItem, 'studyInstanceUid' | 'reason' | 'accessionNumber' | 'modelId' | 'modelVersion'>,
  ): Promise<{ alert: Alert; created: boolean }>;
  /** After a restart: re-arms escalation timers and resumes pending deliveries (in-process scheduling only). */
  resume(): Promise<void>;
  /** Runs one scheduled task (a delivery attempt or an escalation): the job handler of a scaled-out worker. */
  run(task: AlertTask): Promise<void>;
  /** Resolves when no delivery attempt is running (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
}

/**
 * A delivery attempt or an escalation, as plain JSON so that another process can run it. `extra`
 * is what the webhook body carries besides the alert (accession, model, link).
 */
type ExtraValue = string | null | { [key: string]: string | null };
export type AlertTask =
  | { kind: 'deliver'; deliveryId: string; attempt: number; extra: Record<string, ExtraValue> }
  | { kind: 'escalate'; alertId: string; extra: Record<string, ExtraValue> };

/**
 * Durable scheduling of alert tasks for a scaled-out deployment (pg-boss jobs, src/jobs/): any
 * worker process runs them, a killed one's task is retried, and no process's timers are lost.
 */
export interface AlertTaskQueue {
  schedule(task: AlertTask, delayMs: number): Promise<void>;
}

export interface AlertServiceDeps {
  /** Where tasks are scheduled; absent: timers in this process (the single-process server). */
  tasks?: AlertTaskQueue;
  store: AlertStore;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
  config: Config['alerts'];
  publicUrl: string;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Critical-result alerts: recorded, pushed in-app, sent as signed webhooks (retried with doubling
 * back-off under one delivery id) and optional e-mail; unacknowledged after `ackTimeoutMs`, sent
 * again to the second contact list.
 */
export function createAlertService(deps: AlertServiceDeps): AlertService {
  const { store, clock, config, logger } = deps;
  const timers = new Set<TimerHandle>();
  const inflight = new Set<Promise<void>>();
  let closed = false;
  type Extra = AlertTask['extra'];

  const track = (p: Promise<void>): void => {
    const q = p.catch((err: unknown) => logger.error({ err }, 'alert delivery failed')).finally(() => inflight.delete(q));
    inflight.add(q);
  };
  /** Runs `task` after `ms`: as a job when a task queue is given, else on a timer here. */
  const later = (ms: number, task: AlertTask): void => {
    if (closed) return;
    if (deps.tasks) return track(deps.tasks.schedule(task, ms));
    const t = clock.setTimer(ms, () => {
      timers.delete(t);
      if (!closed) track(run(task));
    });
    timers.add(t);
  };

  const webhookTargets = (level: number): WebhookTarget[] => (level === 0 ? config.webhooks : config.escalationWebhooks);
  const mailTargets = (level: number): readonly string[] =>
    config.smtp.host ? (level === 0 ? config.smtp.to : config.smtp.escalationTo) : [];

  const body = (alert: Alert, d: Delivery, extra: Extra): string =>
    JSON.stringify({
      type: 'critical-result',
      deliveryId: d.id,
      alertId: alert.id,
      level: d.level === 0 ? 'primary' : 'escalation',
      studyInstanceUid: alert.studyInstanceUid,
      reason: alert.reason,
      raisedAt: new Date(alert.raisedAt).toISOString(),
      ...(alert.escalatedAt !== null ? { escalatedAt: new Date(alert.escalatedAt).toISOString() } : {}),
      ...extra,
      aiGenerated: true,
    });

  const retry = (d: Delivery, n: number, extra: Extra): void =>
    later(Math.min(MAX_BACKOFF_MS, config.webhookBackoffMs * 2 ** (n - 1)), { kind: 'deliver', deliveryId: d.id, attempt: n + 1, extra });

  const attempt = async (alert: Alert, d: Delivery, n: number, extra: Extra): Promise<void> => {
    if (d.channel === 'smtp') {
      try {
        await sendMail({
          host: config.smtp.host,
          port: config.smtp.port,
          from: config.smtp.from,
          to: [d.target],
          subject: `[readfirst] ${d.level ? 'ESCALATED ' : ''}critical result: ${alert.reason}`,
          text: `${alert.reason}\nStudy ${alert.studyInstanceUid}\n${deps.publicUrl}\n\nAI-generated triage flag; a radiologist must read the study.\nAcknowledge in readfirst.`,
          messageId: d.id,
          date: new Date(clock.now()),
        });
        await store.recordAttempt(d.id, 'delivered', null, clock.now());
      } catch (e) {
        const final = n >= config.webhookMaxAttempts;
        await store.recordAttempt(d.id, final ? 'failed' : 'pending', errorMessage(e), clock.now());
        if (!final) retry(d, n, extra);
      }
      return;
    }
    const target = [...config.webhooks, ...config.escalationWebhooks].find((t) => t.url === d.target);
    if (!target) return store.recordAttempt(d.id, 'failed', 'webhook no longer configured', clock.now());
    const out = await postWebhook(target, d.id, body(alert, d, extra), clock.now());
    if (out.ok) return store.recordAttempt(d.id, 'delivered', null, clock.now());
    const final = !out.retry || n >= config.webhookMaxAttempts;
    await store.recordAttempt(d.id, final ? 'failed' : 'pending', out.error, clock.now());
    if (final) logger.error({ alert: alert.id, delivery: d.id, error: out.error }, 'webhook delivery gave up');
    else retry(d, n, extra);
  };

  const dispatch = async (alert: Alert, level: number, extra: Extra): Promise<void> => {
    const now = clock.now();
    const deliveries: Delivery[] = [];
    for (const t of webhookTargets(level))
      deliveries.push(await store.addDelivery({ alertId: alert.id, level, channel: 'webhook', target: t.url }, now));
    for (const to of mailTargets(level))
      deliveries.push(await store.addDelivery({ alertId: alert.id, level, channel: 'smtp', target: to }, now));
    // Scaled out, the first attempt is a job too: a worker killed now leaves it to another.
    for (const d of deliveries)
      if (deps.tasks) later(0, { kind: 'deliver', deliveryId: d.id, attempt: 1, extra });
      else track(attempt(alert, d, 1, extra));
  };

  const escalate = async (id: string, extra: Extra): Promise<void> => {
    if (!(await store.escalate(id, clock.now()))) return;
    const alert = await store.get(id);
    if (!alert) return;
    logger.warn({ alert: id, study: alert.studyInstanceUid }, 'critical alert unacknowledged: escalating');
    deps.bus.emit('alert.escalated', { alertId: id, studyInstanceUid: alert.studyInstanceUid, level: alert.level });
    await dispatch(alert, 1, extra);
  };

  const run = async (task: AlertTask): Promise<void> => {
    if (task.kind === 'escalate') return escalate(task.alertId, task.extra);
    const d = await store.delivery(task.deliveryId);
    if (!d || d.status !== 'pending') return;
    const alert = await store.get(d.alertId);
    if (alert) await attempt(alert, d, task.attempt, task.extra);
  };

  return {
    list: (status = 'open') => store.list(status),
    async get(id) {
      const alert = await store.get(id);
      return alert && { ...alert, deliveries: await store.deliveries(id) };
    },
    async acknowledge(id, user) {
      const done = await store.acknowledge(id, user, clock.now());
      const alert = await store.get(id);
      if (!alert) throw new ReadfirstError('not-found', `alert ${id} not found`);
      if (done) deps.bus.emit('alert.acknowledged', { alertId: id, studyInstanceUid: alert.studyInstanceUid, acknowledgedBy: user });
      return alert;
    },
    async raise(item) {
      const now = clock.now();
      const r = await store.raise(item.studyInstanceUid, item.reason, now, now + config.ackTimeoutMs);
      if (!r.created) return r;
      const extra: Extra = {
        accessionNumber: item.accessionNumber,
        model: { id: item.modelId, version: item.modelVersion },
        ...(deps.publicUrl ? { link: `${deps.publicUrl.replace(/\/$/, '')}/#/study/${item.studyInstanceUid}` } : {}),
      };
      deps.bus.emit('alert.raised', { alertId: r.alert.id, studyInstanceUid: r.alert.studyInstanceUid, reason: r.alert.reason });
      later(config.ackTimeoutMs, { kind: 'escalate', alertId: r.alert.id, extra });
      await dispatch(r.alert, 0, extra);
      return r;
    },
    run,
    async resume() {
      // Scheduled as jobs, pending tasks wait in the queue: nothing to re-arm here.
      if (deps.tasks) return;
      for (const alert of await store.list('open', 10_000)) {
        if (alert.level === 0) later(Math.max(0, alert.escalateAt - clock.now()), { kind: 'escalate', alertId: alert.id, extra: {} });
      }
      for (const d of await store.deliveries()) {
        const alert = await store.get(d.alertId);
        if (alert) track(attempt(alert, d, d.attempts + 1, {}));
      }
    },
    async idle() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    close() {
      closed = true;
      for (const t of timers) t.cancel();
      timers.clear();
    },
  };
}
