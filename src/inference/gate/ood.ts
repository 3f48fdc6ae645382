import type { QualityGateOutcome } from '../result.ts';
import type { ModelCard } from '../models/model-card.ts';
import { reject } from './quality-gate.ts';

/**
 * Diagonal Mahalanobis distance of a feature vector to the training features:
 * sqrt(Σ_d ((f_d − mean_d) / std_d)²), compared with the card's `ood.threshold`.
 */
export function diagMahalanobis(features: Float32Array, mean: readonly number[], std: readonly number[]): number {
  let s = 0;
  for (let d = 0; d < mean.length; d++) {
    const z = ((features[d] ?? 0) - (mean[d] ?? 0)) / (std[d] ?? 1);
    s += z * z;
  }
  return Math.sqrt(s);
}

/** The out-of-distribution check after inference; passes when the card has no `ood` section. */
export function checkOod(features: Float32Array | undefined, card: ModelCard): QualityGateOutcome {
  const ood = card.ood;
  if (!ood) return { passed: true };
  if (!features || features.length !== ood.mean.length)
    return reject('ood', `feature output has ${features?.length ?? 0} values, the card's reference has ${ood.mean.length}`);
  const distance = diagMahalanobis(features, ood.mean, ood.std);
  const measures = { oodDistance: distance, oodThreshold: ood.threshold };
  if (distance > ood.threshold)
    return reject(
      'ood',
      `image is out of distribution for this model (feature distance ${distance.toFixed(2)} > ${ood.threshold})`,
      measures,
    );
  return { passed: true, measures };
}
