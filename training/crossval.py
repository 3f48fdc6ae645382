"""Patient-level k-fold fine-tuning with out-of-fold (OOF) predictions at every epoch, resumable.

  /usr/bin/python3 -m training.crossval --out .cache/cv224 [--size 224] [--folds 5] [--epochs 10]

For each fold the trunk is fine-tuned on the other folds; after every epoch the held-out fold's logits
are stored, so `oof.npz` holds logits [epoch, image, finding] for every image from a model that never
saw its patient. The epoch count is then chosen on the pooled OOF predictions (rule in
training/README.md, declared before the run), and a final model is trained on all folds for that many
epochs (`final.pt`). A killed run resumes: finished folds are kept, a fold in progress restarts from
its last epoch checkpoint.
"""
import argparse
import json
import os
import time
import zlib

import numpy as np
import torch

from . import data as D
from . import folds as FO
from . import pretrained as P
from .features import cached_stem
from .finetune import logits_from_stems, make_optimizer, train_epoch, trainable_state
from .metrics import auroc

CFG = dict(seed=20261201, folds=5, epochs=8, batch=32, lr=3e-4, wd=0.01, size=224)
HEADS = D.NIH_FINDINGS
MIN_POS_FOR_SELECTION = 10


def load_population(root, size, log, sources=None, limit=None):
    rows, images = D.build_cache(root, os.path.join('.cache', 'prep'), sources or FO.CV_SOURCES, limit=limit,
                                 log=log, size=size)
    kept, dropped = FO.deduplicate(rows)
    idx = np.array([r['idx'] for r in kept], dtype=np.int64)
    images = images[idx]
    for i, r in enumerate(kept):
        r['idx'] = i
    return kept, images, dropped


def targets(rows):
    return np.array([[r['labels'][k] for k in HEADS] for r in rows], dtype=np.float32)


def mean_auroc(y, logits):
    """Mean AUROC over the findings with >= MIN_POS_FOR_SELECTION positives (and negatives)."""
    aucs = []
    for j in range(len(HEADS)):
        m = ~np.isnan(y[:, j])
        t = y[m, j]
        if (t == 1).sum() >= MIN_POS_FOR_SELECTION and (t == 0).sum() >= MIN_POS_FOR_SELECTION:
            aucs.append(auroc(t, logits[m, j]))
    return float(np.mean(aucs)) if aucs else float('nan')


def seed_all(seed):
    torch.manual_seed(seed)
    return np.random.RandomState(seed)


def run_fold(name, train_idx, eval_idx, stems, y, cfg, out, device, log, amp=False):
    """Train one model; returns eval logits [epochs, len(eval_idx), K]. Checkpoint after each epoch."""
    ck = os.path.join(out, f'{name}.pt')
    model = P.build(len(HEADS), P.pretrained_path(cfg.get('pretrained')), init_head_seed=cfg['seed'],
                    split_at=cfg.get('splitAt', P.SPLIT_AT)).to(device)
    opt = make_optimizer(model, cfg['lr'], cfg['wd'])
    rng = seed_all(cfg['seed'] + zlib.crc32(name.encode()) % 1000)
    start, hist = 0, []
    if os.path.exists(ck):
        st = torch.load(ck, map_location='cpu')
        model.load_state_dict(st['model'], strict=False)
        opt.load_state_dict(st['opt'])
        rng.set_state(st['rng'])
        torch.set_rng_state(st['torch_rng'])
        start, hist = st['epoch'], st['hist']
        log(f'  {name}: resuming after epoch {start}')
    for ep in range(start, cfg['epochs']):
        t0 = time.time()
        loss = train_epoch(model, opt, stems, y, train_idx, cfg['batch'], rng, device, amp=amp)
        lg = logits_from_stems(model, stems[0], eval_idx, device) if len(eval_idx) else np.zeros((0, len(HEADS)))
        score = mean_auroc(y[eval_idx], lg) if len(eval_idx) else float('nan')
        hist.append({'epoch': ep + 1, 'loss': round(loss, 5), 'heldOutMeanAuroc': round(score, 4),
                     'logits': lg.astype(np.float32), 'seconds': round(time.time() - t0, 1)})
        torch.save(trainable_state(model), os.path.join(out, f'{name}-e{ep + 1}.pt'))  # for OOF CAMs at any epoch
        torch.save({'model': trainable_state(model), 'opt': opt.state_dict(), 'rng': rng.get_state(),
                    'torch_rng': torch.get_rng_state(), 'epoch': ep + 1, 'hist': hist}, ck + '.tmp')
        os.replace(ck + '.tmp', ck)
        log(f'  {name} epoch {ep + 1}: loss {loss:.4f}, held-out mean AUROC {score:.3f} ({time.time() - t0:.0f}s)')
    return model, np.stack([h['logits'] for h in hist]) if hist else None, hist


def choose_epoch(y, oof):
    """Declared rule: the epoch with the highest pooled-OOF mean AUROC; ties go to the earlier epoch."""
    scores = [mean_auroc(y, oof[e]) for e in range(oof.shape[0])]
    if all(np.isnan(scores)):  # too few positives to select (smoke runs): keep the last epoch
        return len(scores), scores
    return int(np.nanargmax(scores)) + 1, scores


def parser():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=None)
    ap.add_argument('--out', default='.cache/cv224')
    ap.add_argument('--size', type=int, default=CFG['size'])
    ap.add_argument('--folds', type=int, default=CFG['folds'])
    ap.add_argument('--epochs', type=int, default=CFG['epochs'])
    ap.add_argument('--limit', type=int, default=None, help='images per source (smoke runs)')
    ap.add_argument('--sources', default=','.join(FO.CV_SOURCES), help='comma-separated source folders')
    ap.add_argument('--boot', type=int, default=2000, help='bootstrap resamples for the package stage')
    ap.add_argument('--pretrained', default=None)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--amp', action='store_true', help='bf16 autocast (GPU path)')
    ap.add_argument('--no-final', action='store_true')
    ap.add_argument('--pack', default=None, help='training pack from training.gpu_pack instead of --data')
    ap.add_argument('--split-at', type=int, default=P.SPLIT_AT, help='MobileNetV2 blocks kept frozen')
    return ap


def main(argv=None):
    a = parser().parse_args(argv)
    t_start = time.time()
    log = lambda *m: print(f'[{time.time() - t_start:7.1f}s]', *m, flush=True)
    torch.set_num_threads(2)
    os.makedirs(a.out, exist_ok=True)
    cfg = dict(CFG, folds=a.folds, epochs=a.epochs, size=a.size, pretrained=a.pretrained,
               sources=a.sources.split(','), limit=a.limit, splitAt=a.split_at)
    device = torch.device(a.device)
    if a.pack:
        from .gpu_pack import load_population as load_pack
        rows, images, dropped = load_pack(a.pack, a.size, log)
    else:
        rows, images, dropped = load_population(D.data_dir(a.data), a.size, log, sources=cfg['sources'], limit=a.limit)
    FO.assign_folds(rows, cfg['folds'], cfg['seed'])
    leak = FO.fold_leakage(rows)
    log(f'{len(rows)} images ({dropped} pixel duplicates dropped), {len(set(r["patient_id"] for r in rows))} '
        f'patients, leakage {leak}')
    if not leak['ok']:
        raise SystemExit('leakage across folds, aborting')
    y = targets(rows)
    wpath = P.pretrained_path(a.pretrained)
    stem = P.build(len(HEADS), wpath, split_at=a.split_at).stem
    log('stem features (cached once)')
    stems = cached_stem(stem, images, [r['pixhash'] for r in rows], os.path.join(a.out, 'stem') if a.pack else
                        os.path.join('.cache', 'stem'), os.path.basename(wpath), log=log, split_at=a.split_at,
                        device=device)
    fold = np.array([r['fold'] for r in rows])
    oof = np.full((cfg['epochs'], len(rows), len(HEADS)), np.nan, dtype=np.float32)
    fold_hist = {}
    for f in range(cfg['folds']):
        tr, ev = np.where(fold != f)[0], np.where(fold == f)[0]
        _, lg, hist = run_fold(f'fold{f}', tr, ev, stems, y, cfg, a.out, device, log, amp=a.amp)
        oof[:, ev] = lg
        fold_hist[f] = [{k: v for k, v in h.items() if k != 'logits'} for h in hist]
    best, scores = choose_epoch(y, oof)
    log(f'OOF mean AUROC per epoch {[round(s, 4) for s in scores]} -> epoch {best}')
    np.savez(os.path.join(a.out, 'oof.npz'), logits=oof, y=y, fold=fold,
             patient=np.array([r['patient_id'] for r in rows]), files=np.array([r['source_dir'] + '/' + r['file'] for r in rows]))
    state = {'cfg': cfg, 'rows': len(rows), 'duplicatesDropped': dropped, 'leakage': leak,
             'oofMeanAurocByEpoch': scores, 'chosenEpoch': best, 'folds': fold_hist}
    if not a.no_final:
        fcfg = dict(cfg, epochs=best)
        model, _, fh = run_fold('final', np.arange(len(rows)), np.array([], dtype=np.int64), stems, y, fcfg, a.out,
                                device, log, amp=a.amp)
        state['final'] = [{k: v for k, v in h.items() if k != 'logits'} for h in fh]
    with open(os.path.join(a.out, 'cv.json'), 'w') as fp:
        json.dump(state, fp, indent=1, default=float)
    log('cross-validation done')
    return a


if __name__ == '__main__':
    main()
