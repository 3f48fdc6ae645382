import type { Resource } from '@medplum/fhirtypes';
import type { Clock } from '../../core/clock.ts';
import type { DicomStore } from '../../dicom/dicom-store.ts';
import type { EventBus } from '../../events/bus.ts';
import type { InferenceResultStore } from '../../inference/result.ts';
import type { Logger } from '../../log/logger.ts';
import type { Db } from '../../store/db.ts';
import { PushLoop } from '../push/push-loop.ts';
import { PushQueue } from '../push/push-queue.ts';
import { fhirReportResources } from './diagnostic-report.ts';
import { FhirStore } from './fhir-store.ts';

export interface FhirPushConfig {
  /** FHIR server base URL, e.g. https://ehr.example/fhir; empty: no push. */
  pushUrl: string;
  /** Sent as `Authorization: Bearer …` when not empty. */
  pushToken: string;
  pushMaxAttempts: number;
  pushBackoffMs: number;
}

export interface FhirServiceDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  studies: Pick<DicomStore, 'getStudy'>;
  results: Pick<InferenceResultStore, 'listForStudy'>;
  config: FhirPushConfig;
}

/**
 * Keeps each analysed study's FHIR resources (served at /fhir) and, when `fhir.pushUrl` is set,
 * pushes them as a transaction Bundle (PUT by id, so a retry or re-analysis updates, never
 * duplicates) through a durable push queue with back-off.
 */
export function createFhirService(deps: FhirServiceDeps) {
  const store = new FhirStore(deps.db);
  const queue = new PushQueue(deps.db, 'fhir');
  const log = deps.logger;
  const deliver = async (studyInstanceUid: string): Promise<void> => {
    const resources = await store.studyResources(studyInstanceUid);
    const body = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((resource: Resource) => ({
        resource,
        request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` },
      })),
    };
    const res = await fetch(deps.config.pushUrl.replace(/\/+$/, ''), {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        ...(deps.config.pushToken ? { authorization: `Bearer ${deps.config.pushToken}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`FHIR server answered ${res.status}`);
  };
  const loop = deps.config.pushUrl
    ? new PushLoop({
        queue,
        clock: deps.clock,
        logger: log,
        deliver,
        maxAttempts: deps.config.pushMaxAttempts,
        backoffMs: deps.config.pushBackoffMs,
      })
    : undefined;

  /** Regenerates a study's resources from its stored results (and queues its push). */
  const refresh = async (studyInstanceUid: string): Promise<Resource[]> => {
    const study = await deps.studies.getStudy(studyInstanceUid);
    if (!study) return [];
    const results = await deps.results.listForStudy(studyInstanceUid);
    const { resources } = fhirReportResources({ study, results });
    await store.saveStudy(studyInstanceUid, study.patientId, resources, deps.clock.now());
    if (loop) {
      await queue.enqueue(studyInstanceUid, deps.clock.now());
      loop.kick();
    }
    return resources;
  };
  // Scored on arrival, a study is re-read after each image; its report waits for the whole study.
  const off = deps.bus.on('study.analysed', async (e) => {
    if (e.complete) await refresh(e.studyInstanceUid);
  });
  loop?.kick();
  return {
    store,
    queue,
    refresh,
    idle: async (): Promise<void> => loop?.idle(),
    async close(): Promise<void> {
      off();
      await loop?.close();
    },
  };
}

export type FhirService = ReturnType<typeof createFhirService>;
