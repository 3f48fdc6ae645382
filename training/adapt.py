"""The learning loop: fine-tune a model package on a hospital's de-identified export, package a candidate.

  /usr/bin/python3 -m training.adapt --base models/readfirst-cxr --export EXPORT_DIR --out CANDIDATE_DIR
                                     [--epochs 3] [--lr 1e-4] [--id readfirst-cxr-site]

EXPORT_DIR is the security module's de-identified export, in the labels.csv format of ../shared/data
(labels.csv + images/; the radiologists' verdicts as finding columns, empty = not stated). The base
package's own weights are read back from its model.onnx (training/export.py), so the candidate is the
bundled model fine-tuned, not a retrained copy. Claims, operating points and temperatures are inherited:
the candidate earns nothing by itself. It must run in shadow mode and pass `readfirst models promote`
(paired comparison on labelled studies it was not tuned on) before it can go live.
"""
import argparse
import copy
import hashlib
import json
import os
import time

import numpy as np
import torch

from . import data as D
from . import pretrained as P
from .export import export_onnx, sha256_file, smoke_check, weights_from_onnx
from .features import cached_stem
from .finetune import make_optimizer, train_epoch
from .ood import reference
from .summary import clean_json


def read_export(folder, keys, min_age, log):
    folder = os.path.abspath(folder)
    if not os.path.exists(os.path.join(folder, 'labels.csv')):
        raise SystemExit(f'{folder}/labels.csv not found')
    rows = D.read_source(os.path.dirname(folder), os.path.basename(folder))
    missing = [r['file'] for r in rows if not os.path.exists(r['path'])]
    if missing:
        raise SystemExit(f'{len(missing)} images listed in labels.csv are missing, e.g. {missing[:3]}')
    young = [r for r in rows if r['age'] is not None and r['age'] < min_age]
    rows = [r for r in rows if not (r['age'] is not None and r['age'] < min_age)]
    if young:
        log(f'  {len(young)} images of patients under {min_age} left out (the model is not for them)')
    y = np.array([[r['labels'].get(k, np.nan) for k in keys] for r in rows], dtype=np.float32)
    if not np.isfinite(y).any():
        raise SystemExit('the export has no labelled finding for this model')
    return rows, y


def next_version(base, tag):
    major, minor, _ = base.split('-')[0].split('+')[0].split('.')
    return f'{major}.{int(minor) + 1}.0-site.{tag}'


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', default='models/readfirst-cxr')
    ap.add_argument('--export', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--lr', type=float, default=1e-4)
    ap.add_argument('--id', default=None, help='candidate model id (default <base id>-site)')
    ap.add_argument('--seed', type=int, default=20261201)
    a = ap.parse_args(argv)
    t0 = time.time()
    log = lambda *m: print(f'[{time.time() - t0:6.1f}s]', *m, flush=True)
    torch.set_num_threads(2)
    with open(os.path.join(a.base, 'model.json')) as f:
        base = json.load(f)
    keys = [f['key'] for f in sorted(base['findings'], key=lambda f: f['index'])]
    size = base['input']['height']
    rows, y = read_export(a.export, keys, base['applicability'].get('minPatientAgeYears', 0), log)
    labels_sha = hashlib.sha256(open(os.path.join(a.export, 'labels.csv'), 'rb').read()).hexdigest()
    log(f'export: {len(rows)} images, {len(set(r["patient_id"] for r in rows))} patients, '
        f'labelled cells {int(np.isfinite(y).sum())}')
    net = P.build(len(keys), None)
    temperature = weights_from_onnx(net, os.path.join(a.base, 'model.onnx'))
    images = np.zeros((len(rows), size, size), np.uint8)
    for i, r in enumerate(rows):
        images[i], shape = D.load_image(r['path'], size)
        r['pixhash'] = hashlib.sha256(images[i].tobytes()).hexdigest()
    stems = cached_stem(net.stem, images, [r['pixhash'] for r in rows], os.path.join('.cache', 'stem'),
                        base['sha256'][:16], log=log)
    opt = make_optimizer(net, a.lr, 0.01)
    rng = np.random.RandomState(a.seed)
    torch.manual_seed(a.seed)
    for ep in range(a.epochs):
        loss = train_epoch(net, opt, stems, y, np.arange(len(rows)), 32, rng, torch.device('cpu'))
        log(f'  epoch {ep + 1}/{a.epochs}: loss {loss:.4f}')
    net.eval()
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, 'model.onnx')
    wrap = export_onnx(net, onnx_path, size, temperature)
    with torch.no_grad():
        feats = np.concatenate([net.trunk(torch.from_numpy(np.asarray(stems[0][i:i + 64], dtype=np.float32)))
                                .mean(dim=(2, 3)).numpy() for i in range(0, len(rows), 64)])
    smoke_check(wrap, images[:2], a.out, 2)
    card = copy.deepcopy(base)
    card['id'] = a.id or f"{base['id']}-site"
    card['version'] = next_version(base['version'], labels_sha[:8])
    card['sha256'] = sha256_file(onnx_path)
    card['ood'] = reference(feats, {'siteExport': feats})
    card['ood']['reference'] = '99.5th percentile of distances of the site export images it was fine-tuned on'
    positives = {k: int(np.nansum(y[:, j] == 1)) for j, k in enumerate(keys)}
    card['training'] = {'provenance': {
        'base': {'id': base['id'], 'version': base['version'], 'sha256': base['sha256']},
        'export': {'labelsSha256': labels_sha, 'images': len(rows), 'patients': len(set(r['patient_id'] for r in rows)),
                   'positives': positives},
        'fineTuning': {'epochs': a.epochs, 'lr': a.lr, 'trained': f'features[{P.SPLIT_AT}:] + head; stem frozen; masked BCE'},
        'command': 'python -m training.adapt ' + ' '.join(argv or [])}}
    card['evaluation'] = dict(base['evaluation'], summary=(
        f"Candidate fine-tuned from {base['id']}@{base['version']} on a site export ({len(rows)} images). Its claims, "
        'operating points and temperatures are the base model\'s; the figures below are the base model\'s. It may go '
        'live only through `readfirst models promote` on labelled studies it was not tuned on.'))
    card['limitations'] = [f"Fine-tuned on a site export of {len(rows)} images; not evaluated by itself: see "
                           '`readfirst models compare`.'] + base['limitations']
    with open(os.path.join(a.out, 'model.json'), 'w') as f:
        json.dump(clean_json(card), f, indent=1, allow_nan=False)
    log(f"candidate {card['id']}@{card['version']} written to {a.out}")


if __name__ == '__main__':
    main()
