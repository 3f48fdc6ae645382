"""The cross-validation population: adult full-resolution NIH images, deduplicated, in patient-level folds.

Deduplication is by decoded-pixel hash (STACK-NOTES: the same NIH image reappears under other ids and
in both NIH sets), keeping the first copy. Folds are assigned per patient, stratified by whether the
patient has any pneumothorax / effusion / cardiomegaly image, so every fold has positives of the
target findings. The leakage check then proves that no patient and no pixel hash crosses folds.
"""
from collections import defaultdict

import numpy as np

CV_SOURCES = ['nih-cxr14-621', 'nih-cxr14-bbox']
STRATA = ('pneumothorax', 'effusion', 'cardiomegaly')


def deduplicate(rows):
    """Rows whose pixel hash was seen before are dropped; returns (kept rows, dropped count)."""
    seen, kept = set(), []
    for r in rows:
        if r['pixhash'] in seen:
            continue
        seen.add(r['pixhash'])
        kept.append(r)
    return kept, len(rows) - len(kept)


def assign_folds(rows, k, seed):
    """Patient-level fold number (0..k-1) written into r['fold']; returns rows."""
    rng = np.random.RandomState(seed)
    pats = defaultdict(list)
    for r in rows:
        pats[r['patient_id']].append(r)
    strata = defaultdict(list)
    for p, rs in sorted(pats.items()):
        strata[tuple(int(any(r['labels'][f] == 1 for r in rs)) for f in STRATA)].append(p)
    fold_of, offset = {}, 0
    for key in sorted(strata):
        ps = strata[key]
        rng.shuffle(ps)
        for i, p in enumerate(ps):
            fold_of[p] = (i + offset) % k
        offset += len(ps)  # rotate the start so small strata do not all land in fold 0
    for r in rows:
        r['fold'] = fold_of[r['patient_id']]
        r['split'] = f'fold{r["fold"]}'
    return rows


def fold_leakage(rows):
    """Patient ids, file hashes and pixel hashes must each belong to one fold only."""
    bad = {}
    for key in ('patient_id', 'sha256', 'pixhash'):
        where = defaultdict(set)
        for r in rows:
            where[r[key]].add(r['fold'])
        bad[key] = sum(1 for v in where.values() if len(v) > 1)
    return {'crossFoldCollisions': bad, 'ok': not any(bad.values())}
