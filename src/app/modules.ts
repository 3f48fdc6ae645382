import { alertsModule } from '../alerts/module.ts';
import { dicomModule } from '../dicom/module.ts';
import { followUpModule } from '../followup/module.ts';
import { healthRoutes, Readiness } from '../http/health.ts';
import { type RolePlan, rolePlan } from '../cluster/role.ts';
import { jobsModule } from '../jobs/module.ts';
import type { AlertTask } from '../alerts/alert-service.ts';
import { inferenceModule } from '../inference/module.ts';
import { startEventLoopLag } from '../monitor/event-loop-lag.ts';
import { ordersModule } from '../orders/module.ts';
import { monitorModule } from '../monitor/module.ts';
import { readingModule } from '../reading/module.ts';
import { fhirModule } from '../reports/fhir/module.ts';
import { hl7OutModule } from '../reports/hl7/module.ts';
import { reportsModule } from '../reports/module.ts';
import { pushQueueModule } from '../reports/push/module.ts';
import { securityModule } from '../security/module.ts';
import type { Migration } from '../store/migrate.ts';
import { triageModule } from '../triage/module.ts';
import { upsModule } from '../ups/module.ts';
import { policyModule } from '../triage/policy-module.ts';
import { WEB_DIST, webModule } from '../web/module.ts';
import { worklistModule } from '../worklist/module.ts';
import { defineModule, type ModuleDef } from '../core/module.ts';
import type { ModuleRunner } from './runner.ts';

/** `/healthz`, `/readyz` and `/metrics` over the shared infrastructure, with the event-loop lag summary. */
export const healthModule = defineModule({
  name: 'health',
  async start(ctx, deps: { readiness: Readiness }) {
    const stopLag = startEventLoopLag(ctx.metrics);
    return { provides: {}, routes: healthRoutes(ctx.db, ctx.metrics, deps.readiness), close: async () => stopLag() };
  },
});

/**
 * Every module the server runs. `allMigrations` (for tools that open the database without
 * starting the server) is read from here; app.int.test.ts checks that `wireApp` starts exactly
 * these.
 */
export const appModules: ReadonlyArray<ModuleDef<never, unknown>> = [
  securityModule,
  healthModule,
  dicomModule,
  ordersModule,
  inferenceModule,
  policyModule,
  worklistModule,
  followUpModule,
  triageModule,
  readingModule,
  alertsModule,
  reportsModule,
  monitorModule,
  pushQueueModule,
  fhirModule,
  hl7OutModule,
  upsModule,
  webModule,
];

/** Started in addition by the split roles (`serve --role ingest|worker`): analysis as jobs. */
export const clusterModules: ReadonlyArray<ModuleDef<never, unknown>> = [jobsModule];

/** Every module's migrations, in start order (each module's own ids sort within it). */
export const allMigrations: readonly Migration[] = appModules.flatMap((m) => m.migrations ?? []);

/** What a process's wiring is told besides its modules: its role, and the event bus's own readiness. */
export interface WireOptions {
  plan: RolePlan;
  /** The LISTEN connection of a split role's bus; undefined in one process. */
  eventsListening?: () => boolean;
  /** How long a stopping worker lets its jobs in flight finish. */
  graceMs?: number;
}

/**
 * The composition root: starts each module with the services of those before it, passed
 * explicitly and typed. What it returns is what the CLI and tests reach (`app.services`).
 */
export async function wireApp(m: ModuleRunner, opts: WireOptions = { plan: rolePlan('all') }) {
  const { plan } = opts;
  const readiness = new Readiness(plan.role);
  const security = await m.start(securityModule, {});
  await m.start(healthModule, { readiness });
  const dicom = await m.start(dicomModule, { accept: plan.accept });
  if (dicom.dimse) readiness.add('dimse', () => (dicom.dimse?.port() ?? 0) > 0 || 'DICOM listener not bound');
  const orders = await m.start(ordersModule, { studies: dicom.studies, accept: plan.accept });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: plan.scoring });
  if (plan.scoring !== 'none') {
    let models: true | string = 'models loading';
    inference.engine.ready().then(
      () => (models = true),
      (e: unknown) => (models = `models failed to load: ${e instanceof Error ? e.message : String(e)}`),
    );
    readiness.add('models', () => models);
  }
  if (opts.eventsListening) {
    const listening = opts.eventsListening;
    readiness.add('events', () => listening() || 'LISTEN connection down (reconnecting)');
  }
  const jobs = plan.jobs
    ? (
        await m.start(jobsModule, {
          mode: plan.jobs,
          studies: dicom.studies,
          results: inference.results,
          analysis: inference.analysis,
          models: inference.models,
          graceMs: opts.graceMs ?? 5000,
        })
      ).jobs
    : undefined;
  if (jobs)
    readiness.add('jobs', async () => {
      await jobs.queued();
      return true as const;
    });
  security.connectAudit({
    patientOfStudy: async (uid) => (await dicom.studies.getStudy(uid))?.patientId ?? null,
    modelOfResult: async (id) => {
      const m = (await inference.results.get(id))?.model;
      return m ? { id: m.modelId, version: m.modelVersion } : null;
    },
  });
  const policy = await m.start(policyModule, {});
  const { worklist } = await m.start(worklistModule, { starvationGuard: policy.starvationGuard, userOf: security.userOf });
  const { followUps } = await m.start(followUpModule, { userOf: security.userOf });
  await m.start(triageModule, {
    policy: policy.policy,
    worklist,
    studies: dicom.studies,
    results: inference.results,
    followUps,
    orders: orders.orders,
  });
  const { reading } = await m.start(readingModule, { results: inference.results, studies: dicom.studies, worklist });
  const { alerts } = await m.start(alertsModule, {
    worklist,
    userOf: security.userOf,
    deliver: plan.deliver,
    // Scaled out, deliveries and escalations are jobs that any worker runs.
    ...(jobs ? { tasks: { schedule: (task: AlertTask, delayMs: number) => jobs.scheduleAlert(task, delayMs) } } : {}),
  });
  if (jobs && plan.jobs === 'work') await jobs.workAlerts(2, (task: AlertTask) => alerts.run(task));
  const reports = await m.start(reportsModule, {
    studies: dicom.studies,
    files: dicom.files,
    results: inference.results,
    deliver: plan.deliver,
  });
  const monitor = await m.start(monitorModule, { results: inference.results, scheduled: plan.scheduled });
  await m.start(pushQueueModule, {});
  const { fhir } = await m.start(fhirModule, { studies: dicom.studies, results: inference.results });
  const hl7 = await m.start(hl7OutModule, { studies: dicom.studies, results: inference.results });
  const { ups } = await m.start(upsModule, {});
  await m.start(webModule, { root: WEB_DIST });
  return {
    plan,
    readiness,
    guard: security.guard,
    routeAudit: security.routeAudit,
    security,
    dicom,
    inference,
    policy,
    worklist,
    followUps,
    reading,
    alerts,
    reports,
    monitor,
    fhir,
    orders,
    hl7,
    ups,
  };
}

/** The services of the full server, as `startApp` returns them. */
export type AppServices = Awaited<ReturnType<typeof wireApp>>;
