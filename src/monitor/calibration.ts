import { ece, reliabilityBins, type ReliabilityBin } from './metrics.ts';

/** Calibration of one finding's probabilities: ECE and the reliability diagram's bins. */
export interface Calibration {
  ece: number | null;
  bins: ReliabilityBin[];
  n: number;
}

/**
 * ECE over 10 equal-width bins with the reliability diagram behind it (Guo et al. 2017). A
 * well-calibrated model's bins lie on the diagonal: of the images given 0.3, about 30% have it.
 */
export function calibrationOf(probs: readonly number[], labels: readonly (0 | 1)[], bins = 10): Calibration {
  return { ece: ece(probs, labels, bins), bins: reliabilityBins(probs, labels, bins), n: probs.length };
}
