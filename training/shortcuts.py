"""Shortcut checks: do image size, view (AP/PA) or source predict a label better than the image does?

A logistic regression on metadata alone (original height and width, view, source set, sex, age) is
trained with the same patient-level folds as the image model, and its out-of-fold AUROC is put beside
the image model's. Where metadata alone comes close, the image model's AUROC may be borrowed from the
metadata (e.g. AP views of the sicker in-patients), and within-source AUROCs are the figures to trust.
"""
import numpy as np

from .metrics import auroc
from .summary import r3


def metadata_matrix(rows):
    cols = []
    for r in rows:
        h, w = r['orig_shape']
        age = r['age'] if r['age'] is not None else 50.0
        cols.append([np.log(h), np.log(w), float(r['view'] == 'AP' or r['view'].startswith('AP')), float(r['view'] == 'PA'),
                     float(r['source_dir'] == 'nih-cxr14-bbox'), float(r['sex'] == 'F'), age / 100.0,
                     float(r['age'] is None)])
    x = np.array(cols, dtype=np.float64)
    sd = x.std(0)
    return (x - x.mean(0)) / np.where(sd > 0, sd, 1.0)


def logistic_fit(x, y, l2=1e-2, steps=400, lr=0.5):
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = p - y
        w -= lr * (x.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return w, b


def metadata_oof(rows, Y, fold):
    x = metadata_matrix(rows)
    out = np.full(Y.shape, np.nan)
    for j in range(Y.shape[1]):
        for f in np.unique(fold):
            tr = (fold != f) & ~np.isnan(Y[:, j])
            if tr.sum() == 0 or Y[tr, j].min() == Y[tr, j].max():
                continue
            w, b = logistic_fit(x[tr], Y[tr, j])
            te = fold == f
            out[te, j] = x[te] @ w + b
    return out


def shortcut_table(rows, Y, fold, image_scores, keys):
    """Per finding: OOF AUROC of metadata alone vs the image model, pooled and within each source set."""
    meta = metadata_oof(rows, Y, fold)
    src = np.array([r['source_dir'] for r in rows])
    table = {}
    for j, k in enumerate(keys):
        m = ~np.isnan(Y[:, j])
        if (Y[m, j] == 1).sum() < 10 or (Y[m, j] == 0).sum() < 10:
            continue
        e = {'positives': int((Y[m, j] == 1).sum()), 'negatives': int((Y[m, j] == 0).sum()),
             'metadataOnly': r3(auroc(Y[m, j], meta[m, j])), 'image': r3(auroc(Y[m, j], image_scores[m, j])),
             'imageWithinSource': {}}
        for s in sorted(set(src)):
            ms = m & (src == s)
            if (Y[ms, j] == 1).sum() >= 5 and (Y[ms, j] == 0).sum() >= 5:
                e['imageWithinSource'][s] = {'auroc': r3(auroc(Y[ms, j], image_scores[ms, j])),
                                             'positives': int((Y[ms, j] == 1).sum()), 'negatives': int((Y[ms, j] == 0).sum())}
        e['metadataBeatsImage'] = bool(e['metadataOnly'] is not None and e['image'] is not None and e['metadataOnly'] >= e['image'])
        table[k] = e
    return table
