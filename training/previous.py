"""Model v2 against the network it replaces, on the same patients.

The previous network (1.x, trained from scratch) held out a patient-level test split (data.assign_splits,
seed 20261129) that it never trained on. v2's out-of-fold predictions of those images come from fold
models that never saw those patients either, so both are unseen-patient predictions of the same images:

  /usr/bin/python3 -m training.previous split --out .cache/previous-test      # labels folder of that split
  npm run readfirst -- models compare <v1> <v1> --labels .cache/previous-test --json .cache/v1-scores.json
  /usr/bin/python3 -m training.previous compare --scores .cache/v1-scores.json --cv .cache/cv224

The second step scores the previous package through the real engine (its per-image probabilities are in
the JSON); the third pairs them with v2's OOF probabilities and bootstraps the AUROC differences by patient.
"""
import argparse
import csv
import json
import os

import numpy as np

from . import data as D
from .calibration import sigmoid
from .crossval import HEADS
from .metrics import auroc
from .summary import r3

FULL_RES = ['nih-cxr14-621', 'nih-cxr14-bbox']


def write_split(root, out):
    rows = []
    for name in D.SOURCES:
        if os.path.exists(os.path.join(root, name, 'labels.csv')):
            rows += D.read_source(root, name)
    D.assign_splits(rows, seed=20261129)
    os.makedirs(out, exist_ok=True)
    for name in FULL_RES:
        link = os.path.join(out, name)
        if not os.path.islink(link):
            os.symlink(os.path.join(root, name), link)
    test = [r for r in rows if r['split'] == 'test' and r['source_dir'] in FULL_RES]
    with open(os.path.join(root, FULL_RES[0], 'labels.csv'), newline='') as f:
        header = next(csv.reader(f))
    with open(os.path.join(out, 'labels.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in test:
            lab = ['' if np.isnan(r['labels'][k]) else str(int(r['labels'][k])) for k in header[6:]]
            w.writerow([f"{r['source_dir']}/{r['file']}", r['sex'] if r['sex'] != 'unknown' else '',
                        '' if r['age'] is None else int(r['age']), r['view'] if r['view'] != 'unknown' else '',
                        r['source'], r['patient_id']] + lab)
    print(f'{len(test)} test-split images of {len(set(r["patient_id"] for r in test))} patients -> {out}')


def paired(y, a, b, groups, n=2000, seed=5):
    """AUROC(b) - AUROC(a) with a patient-level percentile bootstrap CI (same resamples for both)."""
    rs = np.random.RandomState(seed)
    ug, inv = np.unique(groups, return_inverse=True)
    members = [np.where(inv == k)[0] for k in range(len(ug))]
    vals = []
    for _ in range(n):
        idx = np.concatenate([members[k] for k in rs.randint(0, len(members), len(members))])
        d = auroc(y[idx], b[idx]) - auroc(y[idx], a[idx])
        if d == d:
            vals.append(d)
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]


def compare(scores_path, cv_dir):
    with open(scores_path) as f:
        scores = json.load(f)
    with open(os.path.join(cv_dir, 'cv.json')) as f:
        best = json.load(f)['chosenEpoch']
    z = np.load(os.path.join(cv_dir, 'oof.npz'))
    pos = {str(k): i for i, k in enumerate(z['files'])}
    L = z['logits'][best - 1]
    per, prev_all, cand_all = {}, [], []
    matched = [(s, pos[s['file']]) for s in scores['perImage'] if s['file'] in pos and s['live']]
    for j, k in enumerate(HEADS):
        keep = [(s['live'].get(k), L[i, j], z['y'][i, j], s['patientId']) for s, i in matched
                if s['live'].get(k) is not None and not np.isnan(z['y'][i, j])]
        if not keep:
            continue
        a, b, y, g = (np.array(v) for v in zip(*keep))
        y = y.astype(np.float64)
        npos, nneg = int((y == 1).sum()), int((y == 0).sum())
        if npos < 5 or nneg < 5:
            continue
        pa, pb = auroc(y, a.astype(np.float64)), auroc(y, sigmoid(b.astype(np.float64)))
        ci = paired(y, a.astype(np.float64), b.astype(np.float64), g)
        per[k] = {'previous': r3(pa), 'candidate': r3(pb), 'difference': r3(pb - pa), 'ci95': [r3(ci[0]), r3(ci[1])],
                  'positives': npos, 'negatives': nneg}
        if k != 'no_finding' and npos >= 10:
            prev_all.append(pa)
            cand_all.append(pb)
    wins = float(np.mean(cand_all)) > float(np.mean(prev_all))
    out = {'set': f'previous network\'s test split ({len(matched)} full-resolution images), v2 out of fold',
           'previous': scores['live'], 'meanAuroc': {'previous': r3(np.mean(prev_all)), 'candidate': r3(np.mean(cand_all)),
                                                      'findings': len(prev_all)},
           'v2Wins': bool(wins), 'perFinding': per,
           'summary': (f"On the previous network's own test patients ({len(matched)} images), mean AUROC over "
                       f"{len(prev_all)} NIH findings with >= 10 positives: previous {np.mean(prev_all):.3f}, "
                       f"v2 (out of fold) {np.mean(cand_all):.3f}; v2 {'wins and replaces it' if wins else 'does NOT win'} "
                       '(rule declared in training/README.md).')}
    with open(os.path.join(cv_dir, 'compare-current.json'), 'w') as f:
        json.dump(out, f, indent=1)
    print(out['summary'])
    for k, d in per.items():
        print(f"  {k:20s} prev {d['previous']:.3f} v2 {d['candidate']:.3f} diff {d['difference']:+.3f} {d['ci95']} ({d['positives']}/{d['negatives']})")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('what', choices=['split', 'compare'])
    ap.add_argument('--data', default=None)
    ap.add_argument('--out', default='.cache/previous-test')
    ap.add_argument('--scores', default='.cache/v1-scores.json')
    ap.add_argument('--cv', default='.cache/cv224')
    a = ap.parse_args(argv)
    if a.what == 'split':
        write_split(D.data_dir(a.data), a.out)
    else:
        compare(a.scores, a.cv)


if __name__ == '__main__':
    main()
