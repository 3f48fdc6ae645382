"""The learning loop's full run on data no model of it has seen: one cross-validation fold poses as a hospital.

  /usr/bin/python3 -m training.loop_demo --cv .cache/cv224 --package models/readfirst-cxr --fold 0 --out .cache/loop
  /usr/bin/python3 -m training.adapt --base .cache/loop/base --export .cache/loop/export --out .cache/loop/candidate
  npm run readfirst -- models compare .cache/loop/base .cache/loop/candidate --labels .cache/loop/verdicts

The "live" model is the fold model that never saw fold F's patients (packaged like the bundled model, with
its card and temperatures); fold F's patients are split in two: an "export" half the candidate is
fine-tuned on, and a "verdicts" half both are compared on. Neither half was ever trained on by the base.
"""
import argparse
import csv
import json
import os

import numpy as np

from . import data as D
from .crossval import load_population
from .export import export_onnx, sha256_file
from .folds import assign_folds
from .package import load_net


def write_labels(path, root, rows, header):
    os.makedirs(path, exist_ok=True)
    for name in sorted(set(r['source_dir'] for r in rows)):
        link = os.path.join(path, name)
        if not os.path.islink(link):
            os.symlink(os.path.join(root, name), link)
    with open(os.path.join(path, 'labels.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            lab = ['' if np.isnan(r['labels'][k]) else str(int(r['labels'][k])) for k in header[6:]]
            w.writerow([f"{r['source_dir']}/{r['file']}", '' if r['sex'] == 'unknown' else r['sex'],
                        '' if r['age'] is None else int(r['age']), '' if r['view'] == 'unknown' else r['view'],
                        r['source'], r['patient_id']] + lab)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--cv', default='.cache/cv224')
    ap.add_argument('--package', default='models/readfirst-cxr', help='package whose card the base copies')
    ap.add_argument('--fold', type=int, default=0)
    ap.add_argument('--out', default='.cache/loop')
    ap.add_argument('--data', default=None)
    a = ap.parse_args(argv)
    root = D.data_dir(a.data)
    with open(os.path.join(a.cv, 'cv.json')) as f:
        cv = json.load(f)
    cfg, best = cv['cfg'], cv['chosenEpoch']
    rows, _, _ = load_population(root, cfg['size'], print, sources=cfg.get('sources'), limit=cfg.get('limit'))
    assign_folds(rows, cfg['folds'], cfg['seed'])
    with open(os.path.join(a.package, 'model.json')) as f:
        card = json.load(f)
    base_dir = os.path.join(a.out, 'base')
    os.makedirs(base_dir, exist_ok=True)
    from . import pretrained as P
    net = load_net(os.path.join(a.cv, f'fold{a.fold}-e{best}.pt'), P.pretrained_path(cfg.get('pretrained')),
                   cfg.get('splitAt', P.SPLIT_AT))
    temps = card['training']['temperatures']
    export_onnx(net, os.path.join(base_dir, 'model.onnx'), cfg['size'], np.array(temps, dtype=np.float32))
    card['id'] = f"{card['id']}-fold{a.fold}"
    card['sha256'] = sha256_file(os.path.join(base_dir, 'model.onnx'))
    card['evaluation']['summary'] = (f'Fold-{a.fold} model of the cross-validation (never saw fold {a.fold}); '
                                     'the figures below are those of the package it copies its card from.')
    with open(os.path.join(base_dir, 'model.json'), 'w') as f:
        json.dump(card, f, indent=1)
    held = [r for r in rows if r['fold'] == a.fold]
    pats = sorted(set(r['patient_id'] for r in held))
    rng = np.random.RandomState(cfg['seed'] + a.fold)
    rng.shuffle(pats)
    half = set(pats[:len(pats) // 2])
    with open(os.path.join(root, cfg['sources'][0] if cfg.get('sources') else 'nih-cxr14-621', 'labels.csv')) as f:
        header = next(csv.reader(f))
    write_labels(os.path.join(a.out, 'export'), root, [r for r in held if r['patient_id'] in half], header)
    write_labels(os.path.join(a.out, 'verdicts'), root, [r for r in held if r['patient_id'] not in half], header)
    print(f"base {card['id']} (fold {a.fold}, epoch {best}); export {sum(r['patient_id'] in half for r in held)} images, "
          f"verdicts {sum(r['patient_id'] not in half for r in held)} images -> {a.out}")


if __name__ == '__main__':
    main()
