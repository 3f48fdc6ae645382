"""Subgroup figures (sex, age band) of out-of-fold predictions: AUROC per claimed finding and the
underdiagnosis rate (diseased images called "no finding", Seyyed-Kalantari et al. 2021)."""
import numpy as np

from .summary import auc_block, r3, rate_ci


def subgroup_rows(rows, Y, P, keys, claimed, nf_thr, setname, n_boot=1000):
    pid = np.array([r['patient_id'] for r in rows])
    nf = keys.index('no_finding')
    out = []
    for attr in ('sex', 'age_band'):
        for v in sorted(set(r[attr] for r in rows)):
            sub = np.array([i for i, r in enumerate(rows) if r[attr] == v])
            if len(sub) < 5:
                continue
            ent = {'set': setname, 'attribute': 'ageBand' if attr == 'age_band' else attr, 'value': v,
                   'images': int(len(sub)), 'auroc': {}}
            for k in claimed:
                j = keys.index(k)
                b = auc_block(Y[sub, j], P[sub, j], pid[sub], seed=301 + j, n_boot=n_boot)
                if b['auroc'] is not None and b['positives'] >= 3 and b['negatives'] >= 3:
                    ent['auroc'][k] = b
            diseased = sub[Y[sub, nf] == 0]
            if nf_thr is not None and len(diseased):
                called = int((P[diseased, nf] >= nf_thr).sum())
                rate, ci = rate_ci(called, len(diseased))
                ent['underdiagnosis'] = {'rate': rate, 'ci95': ci, 'diseased': int(len(diseased)),
                                         'calledNoFinding': called, 'threshold': nf_thr}
            out.append(ent)
    return out


def sex_gap(subgroups, setname):
    s = {g['value']: g for g in subgroups if g['set'] == setname and g['attribute'] == 'sex'}
    if 'M' in s and 'F' in s and 'underdiagnosis' in s['M'] and 'underdiagnosis' in s['F']:
        return r3(s['F']['underdiagnosis']['rate'] - s['M']['underdiagnosis']['rate'])
    return None
