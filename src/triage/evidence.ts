import type { AnalysisStatus } from '../events/types.ts';
import type { InferenceResult } from '../inference/result.ts';
import type { FindingEvidence } from '../worklist/worklist-store.ts';

export interface StudyEvidence {
  aiStatus: AnalysisStatus;
  aiStatusReason: string | null;
  findings: FindingEvidence[];
  modelId: string | null;
  modelVersion: string | null;
}

/**
 * Folds a study's per-image results into one reading: shadow models are left out (they never
 * change triage); per finding, the image with the highest probability speaks for the study, and a
 * finding is positive at an operating point when any image is.
 */
export function studyEvidence(results: readonly InferenceResult[], fallback: AnalysisStatus): StudyEvidence {
  const live = results.filter((r) => !r.model?.shadow);
  const analysed = live.filter((r) => r.status === 'analysed');
  if (analysed.length === 0) {
    const other = live[0];
    return {
      aiStatus: other?.status ?? (fallback === 'analysed' ? 'no-model' : fallback),
      aiStatusReason: other?.statusReason ?? other?.gate?.reason ?? null,
      findings: [],
      modelId: other?.model?.modelId ?? null,
      modelVersion: other?.model?.modelVersion ?? null,
    };
  }
  const byKey = new Map<string, FindingEvidence>();
  for (const r of analysed) {
    for (const f of r.findings) {
      const prev = byKey.get(f.key);
      const decisions = f.decisions.map((d) => ({
        name: d.name,
        threshold: d.threshold,
        positive: d.positive || (prev?.decisions.find((p) => p.name === d.name)?.positive ?? false),
      }));
      if (!prev || f.probability > prev.probability)
        byKey.set(f.key, { key: f.key, display: f.display, probability: f.probability, decisions });
      else
        byKey.set(f.key, {
          ...prev,
          decisions: prev.decisions.map((d) => ({
            ...d,
            positive: d.positive || (f.decisions.find((x) => x.name === d.name)?.positive ?? false),
          })),
        });
    }
  }
  const first = analysed[0]?.model ?? null;
  return {
    aiStatus: 'analysed',
    aiStatusReason: null,
    findings: [...byKey.values()],
    modelId: first?.modelId ?? null,
    modelVersion: first?.modelVersion ?? null,
  };
}
