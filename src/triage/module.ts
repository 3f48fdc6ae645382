import type { FastifyRequest } from 'fastify';
import type { AppContext, AppModule } from '../app/context.ts';
import type { DicomStore, StudyRecord } from '../dicom/dicom-store.ts';
import type { InstanceStoredEvent, StudyAnalysedEvent, StudyCompleteEvent } from '../events/types.ts';
import { FollowUpRegistry } from '../followup/followup-registry.ts';
import { followUpRoutes } from '../followup/routes.ts';
import type { InferenceResultStore } from '../inference/result.ts';
import { principalOf } from '../security/guard.ts';
import { worklistRoutes } from '../worklist/routes.ts';
import { SqlWorklistStore } from '../worklist/sql-worklist-store.ts';
import { createWorklistService, type StudyFacts } from '../worklist/worklist-service.ts';
import { studyEvidence } from './evidence.ts';
import { guardFloorMs } from './policy.ts';
import { PolicyHolder } from './policy-watch.ts';

function factsOf(study: StudyRecord, arrivedAt: number): StudyFacts {
  return {
    studyInstanceUid: study.studyInstanceUid,
    orderPriority: study.requestedProcedurePriority,
    patientLocation: study.patientLocation,
    modality: study.modalities[0] ?? null,
    site: study.institutionName,
    patientSex: study.patientSex,
    patientAge: study.patientAge,
    studyDescription: study.studyDescription,
    accessionNumber: study.accessionNumber,
    patientName: study.patientName,
    patientId: study.patientId,
    arrivedAt,
  };
}

/** The signed-in user's name, from the security layer's guard. */
export function defaultUserOf(req: FastifyRequest): string | undefined {
  return principalOf(req)?.username;
}

/**
 * Triage: ranks each study by order priority and location from its first stored image, re-ranks
 * it with each AI reading (image by image), re-ranks the open list when the policy file changes, and records follow-ups.
 * Publishes `ctx.services.worklist` and `ctx.services.followUps`.
 */
export async function initTriage(ctx: AppContext, userOf: (req: FastifyRequest) => string | undefined = defaultUserOf): Promise<AppModule> {
  const log = ctx.logger.child({ mod: 'triage' });
  const policy = new PolicyHolder(ctx.config.triage.policyFile, log);
  const store = new SqlWorklistStore(ctx.db, ctx.clock, () => {
    const p = policy.get();
    return { floorMs: guardFloorMs(p), marginMs: p.starvationGuard.marginMinutes * 60_000, windowMs: p.starvationGuard.windowHours * 3600_000 };
  });
  const service = createWorklistService({ store, clock: ctx.clock, bus: ctx.bus, policy: () => policy.get(), claimTimeoutMs: ctx.config.triage.claimTimeoutMs });
  const followUps = new FollowUpRegistry(ctx.db, ctx.clock);
  ctx.services.worklist = service;
  ctx.services.followUps = followUps;
  const dicom = (): DicomStore | undefined => ctx.services.dicomStore;
  const results = (): InferenceResultStore | undefined => ctx.services.inferenceResults;

  // Score on arrival: a study is on the worklist, ranked by its order priority and location,
  // from its first stored image; the AI result raises it when it comes (onAnalysed).
  const showPending = async (studyUid: string): Promise<void> => {
    if (await store.entry(studyUid)) return;
    const study = await dicom()?.getStudy(studyUid);
    if (!study) return log.warn({ study: studyUid }, 'stored study not found in the DICOM store');
    await service.rank({ facts: factsOf(study, study.firstReceivedAt), ai: { aiStatus: 'pending', aiStatusReason: null, findings: [], modelId: null, modelVersion: null } });
  };
  const onStored = async (e: InstanceStoredEvent): Promise<void> => {
    if (!e.duplicate) await showPending(e.studyInstanceUid);
  };
  // Completion ranks nothing new; it only lists a study this process never saw arrive (`readfirst import`).
  const onComplete = async (e: StudyCompleteEvent): Promise<void> => showPending(e.studyInstanceUid);
  const onAnalysed = async (e: StudyAnalysedEvent): Promise<void> => {
    const study = await dicom()?.getStudy(e.studyInstanceUid);
    if (!study) return log.warn({ study: e.studyInstanceUid }, 'analysed study not found in the DICOM store');
    const stored = (await results()?.listForStudy(e.studyInstanceUid)) ?? [];
    const evidence = studyEvidence(stored.filter((r) => e.resultIds.length === 0 || e.resultIds.includes(r.id)), e.status);
    const existing = await store.entry(e.studyInstanceUid);
    const { item, ranking } = await service.rank({ facts: factsOf(study, existing?.arrivedAt ?? study.firstReceivedAt), ai: evidence });
    for (const f of ranking.followUps) {
      await followUps.add({ ...f, studyInstanceUid: item.studyInstanceUid, patientId: item.patientId, patientName: item.patientName, accessionNumber: item.accessionNumber });
    }
    log.info({ study: item.studyInstanceUid, urgency: item.urgency, reason: item.reason }, 'study ranked');
  };
  // One study at a time: completion and analysis may arrive together, and the later must see the earlier's row.
  const chains = new Map<string, Promise<void>>();
  const serial = <E extends { studyInstanceUid: string }>(fn: (e: E) => Promise<void>) => async (e: E): Promise<void> => {
    const prev = chains.get(e.studyInstanceUid) ?? Promise.resolve();
    const next = prev.then(() => fn(e));
    const tail = next.catch(() => undefined);
    chains.set(e.studyInstanceUid, tail);
    void tail.then(() => {
      if (chains.get(e.studyInstanceUid) === tail) chains.delete(e.studyInstanceUid);
    });
    return next;
  };
  const offs = [ctx.bus.on('instance.stored', serial(onStored)), ctx.bus.on('study.complete', serial(onComplete)), ctx.bus.on('study.analysed', serial(onAnalysed))];
  policy.watch(() => {
    service.rerankOpen(policy.file).then(
      (n) => log.info({ changed: n }, 'open worklist re-ranked under the new policy'),
      (err: unknown) => log.error({ err }, 're-rank after policy change failed'),
    );
  });

  return {
    name: 'triage',
    routes: [...worklistRoutes({ service, clock: ctx.clock, userOf }), ...followUpRoutes(followUps, userOf)],
    async close() {
      policy.close();
      for (const off of offs) off();
    },
  };
}
