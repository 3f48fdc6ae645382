"""Temperature scaling per finding on out-of-fold logits, and a cross-fitted ECE to report.

Temperature scaling (Guo et al. 2017) keeps the ranking, hence every AUROC, unchanged and fixes the
over-confidence a fine-tuned network typically has. The temperature shipped is fitted on all OOF
logits; the ECE reported is cross-fitted (each fold's temperature fitted on the other folds), so the
reported calibration is not measured on the data it was fitted to.
"""
import numpy as np

from .metrics import ece

T_GRID = np.exp(np.linspace(np.log(0.25), np.log(8.0), 241))


def _nll(y, z):
    # numerically stable mean BCE of logits z against labels y
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def fit_temperature(y, logits):
    """The T on a log grid (0.25..8) that minimises the NLL of sigmoid(logits / T); 1 without both classes."""
    m = ~np.isnan(y)
    y, z = y[m].astype(np.float64), logits[m].astype(np.float64)
    if len(y) == 0 or y.min() == y.max():
        return 1.0
    losses = [_nll(y, z / t) for t in T_GRID]
    return float(T_GRID[int(np.argmin(losses))])


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def temperatures(Y, logits):
    return np.array([fit_temperature(Y[:, j], logits[:, j]) for j in range(Y.shape[1])], dtype=np.float32)


def cross_fitted_probs(Y, logits, fold):
    """Calibrated OOF probabilities where each fold's temperatures come from the other folds only."""
    p = np.full(logits.shape, np.nan)
    for f in np.unique(fold):
        inside, other = fold == f, fold != f
        t = temperatures(Y[other], logits[other])
        p[inside] = sigmoid(logits[inside] / t)
    return p


def ece_report(Y, probs_raw, probs_cal, keys, pooled_keys):
    """ECE per finding (raw and calibrated) and pooled over `pooled_keys`; tables for the reliability plot."""
    per, ys, pr, pc = {}, [], [], []
    for j, k in enumerate(keys):
        m = ~np.isnan(Y[:, j])
        if m.sum() == 0:
            continue
        per[k] = {'raw': round(ece(Y[m, j], probs_raw[m, j])[0], 4), 'calibrated': round(ece(Y[m, j], probs_cal[m, j])[0], 4),
                  'n': int(m.sum())}
        if k in pooled_keys:
            ys.append(Y[m, j])
            pr.append(probs_raw[m, j])
            pc.append(probs_cal[m, j])
    if not ys:
        return per, None
    y, a, b = np.concatenate(ys), np.concatenate(pr), np.concatenate(pc)
    e_raw, tab_raw = ece(y, a)
    e_cal, tab_cal = ece(y, b)
    return per, {'raw': round(e_raw, 4), 'calibrated': round(e_cal, 4), 'n': int(len(y)),
                 'tables': {'raw': tab_raw, 'calibrated': tab_cal}}
