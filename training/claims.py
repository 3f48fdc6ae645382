"""The claim rule declared before training (training/README.md, "Model v2"), and operating points.

A claim is what the product lets triage act on, so it is decided only on out-of-fold predictions of
the cross-validation population: never on a test set, an external source, or a figure seen after the
rule was written. The rule is data here so the model card can quote it verbatim.
"""
import numpy as np

from .metrics import operating_points, sens_spec
from .summary import r3

CLAIM_CANDIDATES = ['pneumothorax', 'effusion', 'cardiomegaly', 'nodule', 'mass', 'pneumonia', 'no_finding']
MIN_OOF_POSITIVES = 30
MIN_OOF_CI_LOWER = 0.70
RULE_TEXT = (f'claimed iff a triage candidate ({", ".join(CLAIM_CANDIDATES)}), with >= {MIN_OOF_POSITIVES} '
             f'out-of-fold positives, and the lower bound of the 95% patient-level bootstrap CI (2,000 resamples) '
             f'of its out-of-fold AUROC >= {MIN_OOF_CI_LOWER:.2f}; declared in training/README.md before the run')


def is_claimed(key, oof_block):
    """oof_block: {'auroc', 'ci95', 'positives', ...} of the chosen epoch's OOF predictions."""
    ci = oof_block.get('ci95')
    return bool(key in CLAIM_CANDIDATES and oof_block.get('positives', 0) >= MIN_OOF_POSITIVES
                and ci is not None and ci[0] is not None and ci[0] >= MIN_OOF_CI_LOWER)


def operating_point_entries(y, p, chosen_on):
    """high-sensitivity / balanced / high-specificity thresholds on calibrated OOF probabilities."""
    m = ~np.isnan(y)
    y, p = y[m], p[m]
    if (y == 1).sum() < 3 or (y == 0).sum() < 3:
        return []
    return [{'name': name, 'threshold': r3(thr), 'sensitivity': r3(se), 'specificity': r3(sp), 'n': int(m.sum()),
             'chosenOn': chosen_on} for name, (thr, se, sp) in operating_points(y, p, 0.9).items()]


def at_thresholds(ops, y, p):
    """Sensitivity/specificity of another set (external) at the card's thresholds."""
    m = ~np.isnan(y)
    out = {}
    if (y[m] == 1).sum() == 0 or (y[m] == 0).sum() == 0:
        return out
    for o in ops:
        se, sp = sens_spec(y[m], p[m], o['threshold'])
        out[o['name']] = {'sensitivity': r3(se), 'specificity': r3(sp)}
    return out
