"""Out-of-distribution reference for the engine's quality gate (card `ood`): diagonal Mahalanobis distance
of the GAP features to the training population, threshold at its 99.5th percentile."""
import numpy as np

from .summary import r3


def distance(f, mean, std):
    return np.sqrt((((f - mean) / std) ** 2).sum(axis=1))


def reference(train_features, flag_sets):
    """Card `ood` block; `flag_sets` name -> features, reported as the fraction over the threshold."""
    mean = train_features.mean(0)
    std = train_features.std(0) + 1e-6
    thr = float(np.percentile(distance(train_features, mean, std), 99.5))
    flagged = {k: (r3((distance(v, mean, std) > thr).mean()) if len(v) else None) for k, v in flag_sets.items()}
    return {'output': 'features', 'method': 'diag-mahalanobis',
            'distance': 'sqrt(sum_i ((features_i - mean_i) / std_i)^2)',
            'mean': [round(float(v), 6) for v in mean], 'std': [round(float(v), 6) for v in std],
            'threshold': round(thr, 4),
            'reference': '99.5th percentile of distances of the adult NIH training images',
            'flaggedFraction': flagged}
