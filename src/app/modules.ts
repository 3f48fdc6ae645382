import { initDicom } from '../dicom/module.ts';
import { initInference } from '../inference/module.ts';
import { initHealth } from '../http/health.ts';
import { initReading } from '../reading/module.ts';
import { initSecurity } from '../security/module.ts';
import { initTriage } from '../triage/module.ts';
import { initAlerts } from '../alerts/module.ts';
import { initWeb } from '../web/module.ts';
import { initFhir } from '../reports/fhir/module.ts';
import type { ModuleFactory } from './context.ts';

/**
 * The domain modules in start order; each may use the services of those before it.
 * Add a module by appending its factory here.
 */
export const moduleFactories: readonly ModuleFactory[] = [initSecurity, initHealth, initDicom, initInference, initReading, initWeb, (ctx) => initTriage(ctx), (ctx) => initAlerts(ctx), initFhir];
