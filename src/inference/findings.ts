import type { FindingSpec, ModelCard } from './models/model-card.ts';
import type { FindingResult } from './result.ts';

/** One finding's probability with its decision at each of the card's operating points. */
export function findingResult(f: FindingSpec, probability: number): FindingResult {
  return {
    key: f.key,
    display: f.display,
    code: { ...f.code },
    probability,
    decisions: f.operatingPoints.map((op) => ({
      name: op.name,
      threshold: op.threshold,
      positive: probability >= op.threshold,
      sensitivity: op.sensitivity,
      specificity: op.specificity,
    })),
  };
}

/** Splits the probability vector into claimed findings (shown, triaged) and unclaimed outputs. */
export function findingsOf(card: ModelCard, probs: Float32Array): { claimed: FindingResult[]; unclaimed: FindingResult[] } {
  const claimed: FindingResult[] = [];
  const unclaimed: FindingResult[] = [];
  for (const f of card.findings) (f.claimed ? claimed : unclaimed).push(findingResult(f, probs[f.index] ?? NaN));
  return { claimed, unclaimed };
}

/** Positive at any operating point: gets a heat-map. */
export const isPositive = (f: FindingResult): boolean => f.decisions.some((d) => d.positive);
