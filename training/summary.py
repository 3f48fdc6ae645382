"""How figures enter a model card: rounding, AUROC blocks with patient-level bootstrap CIs, Wilson
rates, strict JSON."""
import numpy as np

from .metrics import auroc, bootstrap_ci

N_BOOT = 2000


def r3(x):
    return None if x is None or x != x else round(float(x), 4)


def auc_block(y, p, groups, seed, n_boot=N_BOOT):
    m = ~np.isnan(y)
    y, p, g = y[m], p[m], groups[m]
    npos, nneg = int((y == 1).sum()), int((y == 0).sum())
    if npos == 0 or nneg == 0:
        return {'auroc': None, 'ci95': None, 'positives': npos, 'negatives': nneg}
    a = auroc(y, p)
    ci = bootstrap_ci(lambda yy, pp: auroc(yy, pp), [y, p], n=n_boot, seed=seed, groups=g)
    return {'auroc': r3(a), 'ci95': [r3(ci[0]), r3(ci[1])], 'positives': npos, 'negatives': nneg}


def rate_ci(k, n, seed=0):
    """Wilson 95% interval for a proportion."""
    if n == 0:
        return None, [None, None]
    z = 1.96
    ph = k / n
    den = 1 + z * z / n
    c = (ph + z * z / (2 * n)) / den
    h = z * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return r3(ph), [r3(max(0, c - h)), r3(min(1, c + h))]


def clean_json(o):
    """NaN/inf -> None, numpy scalars -> Python (model.json must be strict JSON)."""
    if isinstance(o, dict):
        return {k: clean_json(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_json(v) for v in o]
    if isinstance(o, (np.floating, float)):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.bool_):
        return bool(o)
    return o
