import type { StudyRecord } from '../dicom/dicom-store.ts';
import type { UrgencyClass } from '../events/types.ts';
import type { Rerank } from '../worklist/worklist-service.ts';
import type { RankFields, WorklistEntry } from '../worklist/worklist-store.ts';
import type { UrgencyPolicy } from './policy-schema.ts';
import { rankStudy, type Ranking, type TriageInput } from './rank.ts';

/** Study facts triage ranks on besides the AI output. */
export type StudyFacts = Omit<WorklistEntry, keyof RankFields | 'aiStatus' | 'aiStatusReason' | 'findings' | 'modelId' | 'modelVersion'>;

/** The AI side of a rank: status, findings and the model that produced them. */
export type AiEvidence = Pick<TriageInput, 'aiStatus' | 'aiStatusReason' | 'findings'> & {
  modelId: string | null;
  modelVersion: string | null;
};

/** Nothing from the AI yet. */
export const AI_PENDING: AiEvidence = { aiStatus: 'pending', aiStatusReason: null, findings: [], modelId: null, modelVersion: null };

/** The worklist facts of a stored study; `arrivedAt` stays what it was when the study was first placed. */
export function factsOf(study: StudyRecord, arrivedAt: number): StudyFacts {
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

/** The class the AI alone would give: the study ranked without its order and location floors. */
export function aiClassOf(policy: UrgencyPolicy, input: TriageInput): UrgencyClass | null {
  if (input.aiStatus !== 'analysed') return null;
  return rankStudy(policy, { ...input, orderPriority: null, patientLocation: null }).urgency;
}

const inputOf = (
  e: Pick<WorklistEntry, 'arrivedAt' | 'orderPriority' | 'patientLocation' | 'aiStatus' | 'aiStatusReason' | 'findings'>,
): TriageInput => ({
  arrivedAt: e.arrivedAt,
  orderPriority: e.orderPriority,
  patientLocation: e.patientLocation,
  aiStatus: e.aiStatus,
  aiStatusReason: e.aiStatusReason,
  findings: e.findings,
});

function rankFields(policy: UrgencyPolicy, input: TriageInput): RankFields & { ranking: Ranking } {
  const ranking = rankStudy(policy, input);
  return {
    ranking,
    urgency: ranking.urgency,
    aiUrgency: aiClassOf(policy, input),
    score: ranking.score,
    dueAt: ranking.dueAt,
    reason: ranking.reason,
    explanation: ranking.explanation,
    upsPriority: ranking.upsPriority,
  };
}

/** The worklist entry of one study under `policy`, and the full ranking (follow-ups included). */
export function rankEntry(policy: UrgencyPolicy, facts: StudyFacts, ai: AiEvidence): { entry: WorklistEntry; ranking: Ranking } {
  const base = {
    ...facts,
    aiStatus: ai.aiStatus,
    aiStatusReason: ai.aiStatusReason ?? null,
    findings: [...ai.findings],
    modelId: ai.modelId,
    modelVersion: ai.modelVersion,
  };
  const { ranking, ...fields } = rankFields(policy, inputOf(base));
  return { entry: { ...base, ...fields }, ranking };
}

/** The entries whose rank differs under `policy`, with their new rank. */
export function reranked(policy: UrgencyPolicy, entries: readonly WorklistEntry[]): Rerank[] {
  const changed: Rerank[] = [];
  for (const e of entries) {
    const { ranking: _r, ...fields } = rankFields(policy, inputOf(e));
    if (fields.score === e.score && fields.urgency === e.urgency && fields.reason === e.reason) continue;
    changed.push({ studyInstanceUid: e.studyInstanceUid, previousUrgency: e.urgency, ...fields });
  }
  return changed;
}
