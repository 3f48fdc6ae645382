import type { UrgencyClass } from '../events/types.ts';

/** "Pneumothorax 0.93 ≥ 0.71 (high-sensitivity) → critical". */
export function explainFinding(
  f: { display: string; probability: number },
  threshold: number,
  point: string,
  outcome: UrgencyClass | 'follow-up',
): string {
  return `${f.display} ${f.probability.toFixed(2)} ≥ ${threshold.toFixed(2)} (${point}) → ${outcome}`;
}

/** "Order priority STAT → critical (floor)". */
export function explainFloor(what: string, value: string, urgency: UrgencyClass): string {
  return `${what} ${value} → ${urgency} (floor)`;
}
