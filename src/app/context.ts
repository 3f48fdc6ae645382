import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { DicomStore, InstanceFiles } from '../dicom/dicom-store.ts';
import type { DimseService } from '../dicom/dimse/dimse-server.ts';
import type { IngestService } from '../dicom/ingest/ingest-service.ts';
import type { EventBus } from '../events/bus.ts';
import type { AccessGuard, ResponseAudit } from '../http/server.ts';
import type { InferenceResultStore } from '../inference/result.ts';
import type { RouteDef } from '../http/route.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import type { AlertService } from '../alerts/alert-service.ts';
import type { FollowUpRegistry } from '../followup/followup-registry.ts';
import type { WorklistService } from '../worklist/worklist-service.ts';

/** What every domain module is given at start: shared infrastructure, never another module's internals. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly metrics: Registry;
  /** Read-only view of services other modules published (see `AppServices`). */
  readonly services: AppServices;
}

/**
 * Services a module publishes for others, set during start in dependency order. Kept small and
 * typed: a module reaches another only through these interfaces or through events.
 */
export interface AppServices {
  guard?: AccessGuard;
  /** Set by the security module: records audited routes after each response. */
  routeAudit?: ResponseAudit;
  /** Set by the dicom module: metadata store, instance files, the one ingest path, the SCP. */
  dicomStore?: DicomStore;
  instanceFiles?: InstanceFiles;
  ingest?: IngestService;
  dimse?: DimseService;
  /** Set by the inference module: stored AI results (per study, series, instance and model). */
  inferenceResults?: InferenceResultStore;
  /** Set by the triage module: the ranked worklist and the follow-up registry. */
  worklist?: WorklistService;
  followUps?: FollowUpRegistry;
  /** Set by the alerts module: critical-result alerts (list, acknowledge). */
  alerts?: AlertService;
  [name: string]: unknown;
}

/** A started domain module: its routes, and how to stop it. Modules close in reverse order. */
export interface AppModule {
  name: string;
  routes?: readonly RouteDef[];
  close?: () => Promise<void>;
}

export type ModuleFactory = (ctx: AppContext) => Promise<AppModule>;
