import { defineModule, type NoServices } from '../core/module.ts';
import type { DicomStore, StudyRecord } from '../dicom/dicom-store.ts';
import type { InstanceStoredEvent, OrderUpdatedEvent, StudyAnalysedEvent, StudyCompleteEvent } from '../events/types.ts';
import type { FollowUpRegistry } from '../followup/followup-registry.ts';
import type { InferenceResultStore } from '../inference/result.ts';
import { type OrderLookup, triageLocationOf } from '../orders/order.ts';
import type { WorklistService } from '../worklist/worklist-service.ts';
import { studyEvidence } from './evidence.ts';
import type { PolicyHolder } from './policy-watch.ts';
import { AI_PENDING, factsOf, rankEntry, reranked } from './rank-entry.ts';

/** What the triage stage reads and writes. */
export interface TriageDeps {
  policy: PolicyHolder;
  worklist: WorklistService;
  studies: DicomStore;
  results: Pick<InferenceResultStore, 'listForStudy'>;
  followUps: Pick<FollowUpRegistry, 'add'>;
  /** Orders from the RIS (HL7 ORM/OMI, ADT): their priority and location replace the DICOM header's. */
  orders?: OrderLookup;
}

/**
 * The triage stage: ranks each study by order priority and location from its first stored image
 * (`instance.stored`), re-ranks it with each AI reading, image by image (`study.analysed`), re-ranks the open list when the policy file changes,
 * and records the follow-ups the policy calls for. It places studies on the worklist; the worklist
 * knows nothing of triage.
 */
export const triageModule = defineModule({
  name: 'triage',
  async start(ctx, deps: TriageDeps) {
    const log = ctx.logger.child({ mod: 'triage' });
    const { policy, worklist, studies, results, followUps } = deps;
    // The RIS is the authority on the order: its priority and the patient's location win over the header's.
    const factsWithOrder = async (study: StudyRecord, arrivedAt: number): Promise<ReturnType<typeof factsOf>> => {
      const facts = factsOf(study, arrivedAt);
      const order = study.accessionNumber && deps.orders ? await deps.orders.orderFor(study.accessionNumber) : undefined;
      if (!order) return facts;
      return {
        ...facts,
        orderPriority: order.priority ?? facts.orderPriority,
        patientLocation: triageLocationOf(order) ?? facts.patientLocation,
      };
    };

    // Score on arrival: a study is on the worklist, ranked by its order priority and location,
    // from its first stored image; each AI reading re-ranks it (onAnalysed).
    const showPending = async (studyUid: string): Promise<void> => {
      if (await worklist.entry(studyUid)) return;
      const study = await studies.getStudy(studyUid);
      if (!study) return log.warn({ study: studyUid }, 'stored study not found in the DICOM store');
      const { entry } = rankEntry(policy.get(), await factsWithOrder(study, study.firstReceivedAt), AI_PENDING);
      await worklist.place(entry);
    };
    const onStored = async (e: InstanceStoredEvent): Promise<void> => {
      if (!e.duplicate) await showPending(e.studyInstanceUid);
    };
    // Completion changes no rank; it only lists a study this process never saw arrive (`readfirst import`).
    const onComplete = async (e: StudyCompleteEvent): Promise<void> => showPending(e.studyInstanceUid);
    const onAnalysed = async (e: StudyAnalysedEvent): Promise<void> => {
      const study = await studies.getStudy(e.studyInstanceUid);
      if (!study) return log.warn({ study: e.studyInstanceUid }, 'analysed study not found in the DICOM store');
      const stored = await results.listForStudy(e.studyInstanceUid);
      const evidence = studyEvidence(
        stored.filter((r) => e.resultIds.length === 0 || e.resultIds.includes(r.id)),
        e.status,
      );
      const existing = await worklist.entry(e.studyInstanceUid);
      const { entry, ranking } = rankEntry(
        policy.get(),
        await factsWithOrder(study, existing?.arrivedAt ?? study.firstReceivedAt),
        evidence,
      );
      const { item } = await worklist.place(entry);
      for (const f of ranking.followUps) {
        await followUps.add({
          ...f,
          studyInstanceUid: item.studyInstanceUid,
          patientId: item.patientId,
          patientName: item.patientName,
          accessionNumber: item.accessionNumber,
        });
      }
      log.info({ study: item.studyInstanceUid, urgency: item.urgency, reason: item.reason }, 'study ranked');
    };
    /** A late order or a moved patient re-ranks studies already on the worklist, keeping their AI evidence. */
    const onOrder = async (studyInstanceUid: string): Promise<void> => {
      const existing = await worklist.entry(studyInstanceUid);
      const study = existing ? await studies.getStudy(studyInstanceUid) : undefined;
      if (!existing || !study) return;
      const { entry } = rankEntry(policy.get(), await factsWithOrder(study, existing.arrivedAt), existing);
      const { item } = await worklist.place(entry);
      log.info({ study: studyInstanceUid, urgency: item.urgency, reason: item.reason }, 'study re-ranked after an order update');
    };
    // One study at a time: completion and analysis may arrive together, and the later must see the earlier's row.
    const chains = new Map<string, Promise<void>>();
    const serial =
      <E extends { studyInstanceUid: string }>(fn: (e: E) => Promise<void>) =>
      async (e: E): Promise<void> => {
        const prev = chains.get(e.studyInstanceUid) ?? Promise.resolve();
        const next = prev.then(() => fn(e));
        const tail = next.catch(() => undefined);
        chains.set(e.studyInstanceUid, tail);
        void tail.then(() => {
          if (chains.get(e.studyInstanceUid) === tail) chains.delete(e.studyInstanceUid);
        });
        return next;
      };
    const rerankOrder = serial((e: { studyInstanceUid: string }) => onOrder(e.studyInstanceUid));
    const offs = [
      ctx.bus.on('instance.stored', serial(onStored)),
      ctx.bus.on('study.complete', serial(onComplete)),
      ctx.bus.on('study.analysed', serial(onAnalysed)),
      ctx.bus.on('order.updated', async (e: OrderUpdatedEvent) => {
        await Promise.all(e.studyInstanceUids.map((studyInstanceUid) => rerankOrder({ studyInstanceUid })));
      }),
    ];
    policy.watch(() => {
      worklist
        .openEntries()
        .then((entries) => worklist.rerank(reranked(policy.get(), entries), policy.file))
        .then(
          (n) => log.info({ changed: n }, 'open worklist re-ranked under the new policy'),
          (err: unknown) => log.error({ err }, 're-rank after policy change failed'),
        );
    });
    const provides: NoServices = {};
    return {
      provides,
      async close() {
        for (const off of offs) off();
        await Promise.allSettled([...chains.values()]);
      },
    };
  },
});
