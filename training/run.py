"""One command from the shared images to the model package (models/readfirst-cxr).

  /usr/bin/python3 -m training.run [--data DIR] [--out models/readfirst-cxr] [--cv .cache/cv224]
                                   [--stages cv,package] [--smoke] [crossval options]

`cv` runs (or resumes) training.crossval into --cv; `package` turns a finished run into the package.
--smoke: 32 images of nih-cxr14-1000-64px, 2 folds, 1 epoch, through export (CI: the export contract).
"""
import os
import sys
import time

import torch

from . import crossval
from . import data as D
from .package import build_package

SMOKE_ARGS = ['--sources', 'nih-cxr14-1000-64px', '--limit', '32', '--folds', '2', '--epochs', '1', '--boot', '50']


def main(argv=None):
    ap = crossval.parser()
    ap.add_argument('--cv', default=None, help='cross-validation folder (default .cache/cv<size>)')
    ap.add_argument('--cache', default=None, help='alias of --cv (older scripts)')
    ap.add_argument('--stages', default='cv,package')
    ap.add_argument('--smoke', action='store_true')
    ap.add_argument('--id', default='readfirst-cxr', help='model id written into the card')
    ap.set_defaults(out='models/readfirst-cxr')
    argv = list(sys.argv[1:] if argv is None else argv)
    if '--smoke' in argv:
        argv = SMOKE_ARGS + argv
    a = ap.parse_args(argv)
    t0 = time.time()
    log = lambda *m: print(f'[{time.time() - t0:7.1f}s]', *m, flush=True)
    torch.set_num_threads(2)
    cv_dir = a.cv or a.cache or os.path.join('.cache', f'cv{a.size}' + ('-smoke' if a.smoke else ''))
    stages = a.stages.split(',')
    if 'cv' in stages:
        cv_argv = ['--out', cv_dir, '--size', str(a.size), '--folds', str(a.folds), '--epochs', str(a.epochs),
                   '--sources', a.sources, '--boot', str(a.boot), '--device', a.device]
        for flag, val in (('--data', a.data), ('--limit', a.limit), ('--pretrained', a.pretrained)):
            if val is not None:
                cv_argv += [flag, str(val)]
        crossval.main(cv_argv + (['--amp'] if a.amp else []))
    if 'package' in stages:
        build_package(cv_dir, D.data_dir(a.data), a.out, log=log, smoke=a.smoke, n_boot=a.boot, card_id=a.id)
    log('done')


if __name__ == '__main__':
    main()
