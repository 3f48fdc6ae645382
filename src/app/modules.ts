import { alertsModule } from '../alerts/module.ts';
import { dicomModule } from '../dicom/module.ts';
import { followUpModule } from '../followup/module.ts';
import { healthRoutes } from '../http/health.ts';
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

/** `/healthz` and `/metrics` over the shared infrastructure, with the event-loop lag summary. */
export const healthModule = defineModule({
  name: 'health',
  async start(ctx, _deps: Record<never, never>) {
    const stopLag = startEventLoopLag(ctx.metrics);
    return { provides: {}, routes: healthRoutes(ctx.db, ctx.metrics), close: async () => stopLag() };
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

/** Every module's migrations, in start order (each module's own ids sort within it). */
export const allMigrations: readonly Migration[] = appModules.flatMap((m) => m.migrations ?? []);

/**
 * The composition root: starts each module with the services of those before it, passed
 * explicitly and typed. What it returns is what the CLI and tests reach (`app.services`).
 */
export async function wireApp(m: ModuleRunner) {
  const security = await m.start(securityModule, {});
  await m.start(healthModule, {});
  const dicom = await m.start(dicomModule, {});
  const orders = await m.start(ordersModule, { studies: dicom.studies });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files });
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
  const { alerts } = await m.start(alertsModule, { worklist, userOf: security.userOf });
  const reports = await m.start(reportsModule, { studies: dicom.studies, files: dicom.files, results: inference.results });
  const monitor = await m.start(monitorModule, { results: inference.results });
  await m.start(pushQueueModule, {});
  const { fhir } = await m.start(fhirModule, { studies: dicom.studies, results: inference.results });
  const hl7 = await m.start(hl7OutModule, { studies: dicom.studies, results: inference.results });
  const { ups } = await m.start(upsModule, {});
  await m.start(webModule, { root: WEB_DIST });
  return {
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
