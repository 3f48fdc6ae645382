"""AUROC, bootstrap CIs, operating points, calibration (numpy only)."""
import numpy as np


def auroc(y, s):
    y = np.asarray(y).astype(bool)
    s = np.asarray(s, dtype=np.float64)
    npos, nneg = y.sum(), (~y).sum()
    if npos == 0 or nneg == 0:
        return float('nan')
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inv]  # average ranks for ties, 1-based
    return float((ranks[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def bootstrap_ci(fn, arrays, n=1000, seed=0, groups=None):
    """Percentile 95% CI of fn(*arrays) by resampling rows (or patients if groups given)."""
    rs = np.random.RandomState(seed)
    N = len(arrays[0])
    vals = []
    if groups is not None:
        ug, inv = np.unique(groups, return_inverse=True)
        members = [np.where(inv == k)[0] for k in range(len(ug))]
    for _ in range(n):
        if groups is None:
            idx = rs.randint(0, N, N)
        else:
            pick = rs.randint(0, len(members), len(members))
            idx = np.concatenate([members[k] for k in pick])
        v = fn(*[a[idx] for a in arrays])
        if v == v:
            vals.append(v)
    if len(vals) < n * 0.5:
        return [float('nan'), float('nan')]
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]


def sens_spec(y, s, thr):
    y = np.asarray(y).astype(bool)
    pred = np.asarray(s) >= thr
    sens = float((pred & y).sum() / max(y.sum(), 1))
    spec = float((~pred & ~y).sum() / max((~y).sum(), 1))
    return sens, spec


def operating_points(y, s, min_sens=0.9, min_spec=0.9):
    """Thresholds from (validation) data: high-sensitivity (largest threshold with sens>=min_sens), Youden
    ("balanced"), and high-specificity (smallest threshold with spec>=min_spec: few false alarms, for
    escalations such as critical alerts when the model is weak)."""
    y = np.asarray(y).astype(bool)
    s = np.asarray(s, dtype=np.float64)
    cands = np.unique(s)
    best_hs, best_j = None, None
    for t in cands[::-1]:
        se, sp = sens_spec(y, s, t)
        if best_hs is None and se >= min_sens:
            best_hs = (float(t), se, sp)
        j = se + sp - 1
        if best_j is None or j > best_j[3]:
            best_j = (float(t), se, sp, j)
    if best_hs is None:
        best_hs = (float(cands.min()), 1.0, 0.0)
    best_sp = None
    for t in cands:
        se, sp = sens_spec(y, s, t)
        if sp >= min_spec:
            best_sp = (float(t), se, sp)
            break
    if best_sp is None:
        best_sp = (float(np.nextafter(cands.max(), np.inf)), 0.0, 1.0)
    return {'high-sensitivity': best_hs, 'balanced': best_j[:3], 'high-specificity': best_sp}


def ece(y, p, bins=10):
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    e, table = 0.0, []
    for i in range(bins):
        m = (p >= edges[i]) & ((p < edges[i + 1]) if i < bins - 1 else (p <= edges[i + 1]))
        if m.sum() == 0:
            table.append((float((edges[i] + edges[i + 1]) / 2), None, None, 0))
            continue
        conf, acc = p[m].mean(), y[m].mean()
        e += m.sum() / len(p) * abs(conf - acc)
        table.append((float(conf), float(acc), float(m.sum()), int(m.sum())))
    return float(e), table
