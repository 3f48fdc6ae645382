"""One command from raw data to model package.

  /usr/bin/python3 -m training.run [--data DIR] [--out models/readfirst-cxr] [--cache .cache/training]
                                   [--stages prep,train,eval,export] [--smoke]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from . import data as D

FULL_CFG = dict(seed=20261129, epochs=22, batch=32, lr=2e-3, wd=0.02, ema_decay=0.995, full_repeat=2,
                n_low=320, n_kid=256, aux_weight=2.0, threads=2)
SMOKE_CFG = dict(seed=1, epochs=1, batch=16, lr=1e-3, wd=5e-4, ema_decay=0.9, full_repeat=1, n_low=48, n_kid=0,
                 aux_weight=2.0, threads=2)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=None, help='data root (default: $READFIRST_DATA_DIR or ../shared/data)')
    ap.add_argument('--out', default='models/readfirst-cxr')
    ap.add_argument('--cache', default=None)
    ap.add_argument('--stages', default='prep,train,eval,export')
    ap.add_argument('--smoke', action='store_true')
    ap.add_argument('--epochs', type=int, default=None, help='override the epoch count (a larger value resumes the last checkpoint with a rescaled schedule)')
    a = ap.parse_args(argv)
    t0 = time.time()
    root = D.data_dir(a.data)
    cache = a.cache or os.path.join('.cache', 'training-smoke' if a.smoke else 'training')
    log = lambda *m: print(f'[{time.time() - t0:7.1f}s]', *m, flush=True)
    torch.set_num_threads(2)
    stages = a.stages.split(',')
    if a.smoke:
        sources = ['nih-cxr14-1000-64px']
        rows, images = D.build_cache(root, os.path.join(cache, 'prep'), sources, limit=96, log=log)
        # smoke: simple patient-level split so every split exists
        pats = sorted(set(r['patient_id'] for r in rows))
        for r in rows:
            i = pats.index(r['patient_id'])
            r['split'] = 'val' if i % 5 == 0 else ('test' if i % 5 == 1 else 'train')
        cfg = SMOKE_CFG
    else:
        rows, images = D.build_cache(root, os.path.join('.cache', 'prep'), list(D.SOURCES), log=log)
        D.assign_splits(rows, seed=FULL_CFG['seed'])
        cfg = dict(FULL_CFG, **({'epochs': a.epochs} if a.epochs else {}))
    leak = D.leakage_check(rows)
    log('leakage check', json.dumps({k: (v if not isinstance(v, list) else len(v)) for k, v in leak.items()}))
    if not leak['ok']:
        log('LEAKAGE between splits, aborting')
        sys.exit(2)
    from .train import train
    ckpt = os.path.join(cache, 'ckpt')
    if 'train' in stages:
        model, hist = train(rows, images, cfg, ckpt, log=log)
    elif 'eval' in stages or 'export' in stages:
        # package the best EMA checkpoint as it stands (e.g. a run stopped early), without training further
        from .model import CXRNet
        st = torch.load(os.path.join(ckpt, 'best.pt'), map_location='cpu')
        model = CXRNet(len(D.HEADS))
        model.load_state_dict(st['ema'])
        last = torch.load(os.path.join(ckpt, 'last.pt'), map_location='cpu')
        hist = {'hist': last['hist'], 'best': last['best']}
        log(f"packaging best checkpoint (epoch {st['epoch']}) without further training")
    if 'eval' in stages or 'export' in stages:
        from .package import build_package
        build_package(model, rows, images, cfg, hist, leak, root, a.out, cache, smoke=a.smoke, log=log)
    log('done')


if __name__ == '__main__':
    main()
