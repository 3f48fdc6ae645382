"""The model card (model.json, schema in src/inference/models/model-card.ts) of a v2 package."""
import numpy as np

from .claims import RULE_TEXT
from .summary import r3

VERSION = '2.0.0'
CREDIT = ('Derived from ImageNet MobileNetV2 weights (Sandler et al., CVPR 2018), published by Google under the '
          'Apache License 2.0 (google-coral/test_data, mobilenet_v2_1.0_224_quant.tflite); see NOTICE.')


def _mean_oof(findings, claimed_only=False):
    v = [f['evaluation']['outOfFold']['auroc'] for f in findings if f['key'] != 'no_finding'
         and f['evaluation']['outOfFold']['auroc'] is not None and f['evaluation']['outOfFold']['positives'] >= 10
         and (f['claimed'] or not claimed_only)]
    return (r3(np.mean(v)) if v else None), len(v)


def build_card(*, sha256, size, findings, ood, cv, temperatures, calibration, subgroups, gap, localisation,
               shortcuts, comparison, datasets, n_params, smoke, version=VERSION, card_id='readfirst-cxr',
               provenance=None):
    claimed = [f['key'] for f in findings if f['claimed']]
    mean_all, n_all = _mean_oof(findings)
    grid = size // 32
    ext = {f['key']: f['evaluation'].get('external') for f in findings if f['evaluation'].get('external')}
    summary = (f"{cv['cfg']['folds']}-fold patient-level cross-validation over {cv['rows']} adult full-resolution NIH "
               f"images: out-of-fold mean AUROC {mean_all} over {n_all} NIH findings with >= 10 positives "
               f"(epoch {cv['chosenEpoch']} of {cv['cfg']['epochs']}, chosen on OOF). Claimed by the declared rule: "
               f"{', '.join(claimed) or 'none'}.")
    return {
        'schemaVersion': 1, 'id': card_id, 'name': 'readfirst chest X-ray triage', 'version': version,
        'sha256': sha256, 'licence': 'Apache-2.0', 'aiGenerated': True, 'credit': CREDIT,
        'applicability': {'modalities': ['CR', 'DX'], 'bodyParts': ['CHEST'], 'viewPositions': ['PA', 'AP'],
                          'minRows': 256, 'minColumns': 256, 'minPatientAgeYears': 18,
                          'population': 'adults (18+); not validated for children'},
        'input': {'name': 'image', 'channels': 1, 'height': size, 'width': size, 'resize': 'letterbox',
                  'letterboxAlign': 'centre', 'window': 'dicom-voi-else-percentile', 'percentiles': [0.5, 99.5],
                  'scale': 'unit', 'normalization': {'type': 'fixed', 'mean': 0.5, 'std': 0.25},
                  'note': 'windowed by the 0.5/99.5 percentiles, mapped to [0,1], letterboxed (centred, pad 0), '
                          'then (x-0.5)/0.25; the first conv maps this onto ImageNet (u-128)/128 grey.'},
        'outputs': {'probabilities': 'probs', 'heatmap': 'cam', 'features': 'features', 'camGrid': [grid, grid],
                    'camNote': f'cam[k] = (W[k]/T[k]) . F[:, y, x] on the stride-32 {grid}x{grid} grid; '
                               'mean(cam[k]) + b[k]/T[k] = logit[k]'},
        'findings': findings,
        'ood': ood,
        'intendedUse': ('Research/demonstration triage aid: re-ranks an adult chest X-ray worklist so studies '
                        'likely to show a claimed finding are read first. Every study is still read by a '
                        'radiologist; the model never rules anything out and is not a diagnostic device.'),
        'limitations': limitations(findings, cv, ood, ext, size),
        'trainingData': {
            'summary': ('Adult NIH ChestX-ray14 images at 512 px (nih-cxr14-621 + nih-cxr14-bbox), deduplicated by '
                        f"pixel hash ({cv['duplicatesDropped']} dropped), {cv['cfg']['folds']} patient-level folds; "
                        'final model trained on all folds. Not trained on: the 64 px NIH set, Kermany (children), '
                        'covid-chestxray-ieee8023. Masked BCE: a label a source does not annotate is unknown.'),
            'datasetCard': 'dataset-card.json', 'folds': datasets['splits'], 'leakageCheckOk': bool(cv['leakage']['ok']),
            'pretrainedWeights': CREDIT},
        'training': {'architecture': f'MobileNetV2 (ImageNet), BN folded, grey input, features[:18] frozen, '
                                     f'features[18] (1x1 conv 320->1280) + linear head fine-tuned; '
                                     f'{n_params / 1e6:.2f} M parameters',
                     'config': cv['cfg'], 'chosenEpoch': cv['chosenEpoch'],
                     'oofMeanAurocByEpoch': [r3(s) for s in cv['oofMeanAurocByEpoch']],
                     'temperatures': [r3(t) for t in temperatures],
                     'command': f'/usr/bin/python3 -m training.run --epochs {cv["cfg"]["epochs"]} --id {card_id} '
                                f'--out models/candidates/{card_id}',
                     **({'provenance': provenance} if provenance else {})},
        'evaluation': {
            'summary': summary, 'claimRule': RULE_TEXT,
            'meanAurocOutOfFold': {'allFindings': mean_all, 'n': n_all, 'claimed': _mean_oof(findings, True)[0]},
            'calibration': dict(calibration, method='temperature per finding, NLL on OOF logits; ECE cross-fitted',
                                plot='reliability.png'),
            'subgroups': subgroups, 'underdiagnosisGapFemaleMinusMale': {'out-of-fold': gap},
            'localisation': {'method': 'pointing game on NIH boxes, out of fold (each image scored by the fold model '
                                       'that never saw its patient), CAM maximum inside the box +- half a cell; '
                                       'chance = mean box area fraction', 'perFinding': localisation},
            'shortcuts': {'method': 'logistic regression on metadata only (original size, view, source set, sex, '
                                    'age), same folds; compared with the image model OOF, pooled and within source',
                          'perFinding': shortcuts},
            'comparisonWithPrevious': comparison,
            'bootstrap': 'patient-level percentile bootstrap 95% CIs; rates use Wilson intervals',
            'goal': 'AUROC >= 0.90 on external sources for every claimed finding: NOT met (see limitations)',
            **({'smoke': True} if smoke else {}),
        },
    }


def limitations(findings, cv, ood, ext, size):
    unclaimed = [f['key'] for f in findings if not f['claimed']]
    return [
        f"Cross-validated on {cv['rows']} adult NIH images from one hospital (NIH Clinical Center); every AUROC has a "
        'wide CI and the counts are given beside it. The bbox set is all diseased, so prevalence is not that of practice.',
        'NIH labels are text-mined from reports (about 90% accurate), not radiologist reads.',
        'The only adult external source (covid-chestxray-ieee8023) annotates pneumonia and no_finding only: nothing '
        'external tests pneumothorax, effusion, cardiomegaly, nodule or mass. '
        f"External figures: { {k: (v['auroc'], v['positives'], v['negatives']) for k, v in ext.items()} }.",
        'Does not meet the issue goal of AUROC >= 0.90 on an external source for a claimed finding; it cannot even be '
        'measured for most findings with the data here.',
        f"Not claimed (rule: {RULE_TEXT}): {', '.join(unclaimed)}.",
        f"Served at {size} px: a thin pneumothorax line can be lost at this resolution; 448 px was not cross-validated "
        'in this run for lack of CPU (see training/README.md).',
        'Not for children (gate on patient age): fraction of a Kermany sample over the OOD threshold: '
        f"{ood['flaggedFraction'].get('kermany-paediatric-224')}.",
        'All training images were 8-bit JPEG/PNG already windowed by their publishers; DICOM windowing at inference '
        'may differ from the training appearance.',
        'Subgroups: sex and age from NIH metadata only; no ethnicity or scanner data; subgroup CIs are wide.',
        f'Heat-maps are CAMs on a coarse {size // 32}x{size // 32} grid: where the logit evidence is, not a '
        'segmentation; they can highlight shortcuts (tubes, markers).',
    ]
