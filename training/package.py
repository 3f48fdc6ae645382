"""From a finished cross-validation run to a model package (docs/model-package.md).

Every figure that decides something (claims, operating points, temperatures) comes from out-of-fold
predictions; the final model (all folds, chosen epoch) is what is exported. External and per-source
figures are computed on the final model and reported only.
"""
import hashlib
import json
import os

import numpy as np
import torch

from . import data as D
from . import pretrained as P
from .calibration import cross_fitted_probs, ece_report, sigmoid, temperatures
from .card import build_card
from .claims import at_thresholds, is_claimed, operating_point_entries
from .crossval import HEADS, load_population, targets
from .display import DISPLAY
from .export import export_onnx, sha256_file, smoke_check
from .features import cached_stem, to_input
from .folds import assign_folds
from .ood import reference
from .pointing_game import pointing_game
from .reliability_plot import reliability_plot
from .results_md import results_markdown
from .shortcuts import shortcut_table
from .subgroups import sex_gap, subgroup_rows
from .summary import auc_block, clean_json

EXTERNAL_SETS = {'covid-chestxray-ieee8023': 1, 'kermany-paediatric-224': 30}  # source -> keep 1 in n images


def load_net(state_path, weights, split_at=P.SPLIT_AT):
    net = P.build(len(HEADS), weights, split_at=split_at)
    net.load_state_dict(torch.load(state_path, map_location='cpu'), strict=False)
    return net.eval()


@torch.no_grad()
def run_images(net, temperature, rows, images_u8, weights_id, split_at, log, bs=64):
    """Calibrated probabilities and GAP features of the final model; the frozen stem's outputs are cached."""
    pix = [hashlib.sha256(im.tobytes()).hexdigest() for im in images_u8]
    stems = cached_stem(net.stem, images_u8, pix, os.path.join('.cache', 'stem'), weights_id, log=log,
                        split_at=split_at, mirror=False)
    t = torch.as_tensor(np.asarray(temperature, dtype=np.float32))
    ps, fs = [], []
    for i in range(0, len(images_u8), bs):
        f = net.trunk(torch.from_numpy(np.asarray(stems[0][i:i + bs], dtype=np.float32))).mean(dim=(2, 3))
        ps.append(torch.sigmoid(net.fc(f) / t).numpy())
        fs.append(f.numpy())
    return np.concatenate(ps), np.concatenate(fs)


def external_sets(root, size, log):
    out = {}
    for name, every in EXTERNAL_SETS.items():
        rows, images = D.build_cache(root, os.path.join('.cache', 'prep'), [name], log=log, size=size)
        keep = np.arange(0, len(rows), every)
        if len(keep):
            out[name] = ([rows[i] for i in keep], images[keep])
    return out


def build_package(cv_dir, root, out_dir, log=print, smoke=False, n_boot=2000, card_id='readfirst-cxr'):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(cv_dir, 'cv.json')) as f:
        cv = json.load(f)
    cfg, best = cv['cfg'], cv['chosenEpoch']
    weights = P.pretrained_path(cfg.get('pretrained'))
    rows, images, _ = load_population(root, cfg['size'], log, sources=cfg.get('sources'), limit=cfg.get('limit'))
    assign_folds(rows, cfg['folds'], cfg['seed'])
    z = np.load(os.path.join(cv_dir, 'oof.npz'))
    if list(z['files']) != [r['source_dir'] + '/' + r['file'] for r in rows]:
        raise SystemExit('oof.npz does not match the population: rerun training.crossval')
    Y, fold, L = targets(rows), z['fold'], z['logits'][best - 1].astype(np.float64)
    pid = np.array([r['patient_id'] for r in rows])
    T = temperatures(Y, L)
    P_oof = sigmoid(L / T)
    P_cross = cross_fitted_probs(Y, L, fold)
    log(f'chosen epoch {best}; temperatures {np.round(T, 2).tolist()}')

    split_at = cfg.get('splitAt', P.SPLIT_AT)
    final = load_net(os.path.join(cv_dir, 'final-e%d.pt' % best), weights, split_at)
    stems = cached_stem(final.stem, images, [r['pixhash'] for r in rows], os.path.join('.cache', 'stem'),
                        os.path.basename(weights), log=log, split_at=split_at)
    with torch.no_grad():
        train_feats = np.concatenate([final.trunk(torch.from_numpy(np.asarray(stems[0][i:i + 64], dtype=np.float32)))
                                      .mean(dim=(2, 3)).numpy() for i in range(0, len(rows), 64)])
    onnx_path = os.path.join(out_dir, 'model.onnx')
    wrap = export_onnx(final, onnx_path, cfg['size'], T)
    ext = {} if smoke else external_sets(root, cfg['size'], log)
    ext_pred = {}
    for name, (erows, eimg) in ext.items():
        log(f'final model on {name} ({len(erows)} images)')
        ext_pred[name] = run_images(final, T, erows, eimg, os.path.basename(weights), split_at, log)

    findings = []
    src = np.array([r['source_dir'] for r in rows])
    for j, k in enumerate(HEADS):
        disp, code, cdisp = DISPLAY[k]
        oof = auc_block(Y[:, j], P_oof[:, j], pid, seed=11 + j, n_boot=n_boot)
        ops = operating_point_entries(Y[:, j], P_oof[:, j], 'calibrated out-of-fold predictions, %d folds' % cfg['folds'])
        ev = {'outOfFold': dict(oof, source='nih-cxr14-621 + nih-cxr14-bbox, %d-fold patient-level' % cfg['folds'])}
        for s in sorted(set(src)):
            m = src == s
            b = auc_block(Y[m, j], P_oof[m, j], pid[m], seed=21 + j, n_boot=n_boot // 4)
            if b['auroc'] is not None:
                ev['outOfFold:' + s] = dict(b, source=s)
        for name, (erows, _) in ext.items():
            ey = np.array([r['labels'][k] for r in erows], dtype=np.float64)
            b = auc_block(ey, ext_pred[name][0][:, j], np.array([r['patient_id'] for r in erows]), seed=31 + j,
                          n_boot=n_boot // 4)
            if b['positives'] + b['negatives'] > 0:
                ev['external' if name.startswith('covid') else 'perSource:' + name] = dict(
                    b, source=name, atThresholds=at_thresholds(ops, ey, ext_pred[name][0][:, j]))
        findings.append({'key': k, 'index': j, 'display': disp,
                         'code': {'system': 'http://snomed.info/sct', 'code': code, 'display': cdisp},
                         'claimed': is_claimed(k, oof) and not smoke, 'operatingPoints': ops, 'evaluation': ev})
    claimed = [f['key'] for f in findings if f['claimed']]
    per_ece, pooled = ece_report(Y, sigmoid(L), P_cross, HEADS, set(claimed or HEADS))
    reliability_plot(os.path.join(out_dir, 'reliability.png'),
                     [('before temperature, ECE %.3f' % pooled['raw'], (200, 30, 30), pooled['tables']['raw']),
                      ('after (cross-fitted), ECE %.3f' % pooled['calibrated'], (0, 0, 0), pooled['tables']['calibrated'])],
                     'Reliability, out-of-fold, %s pooled (n=%d)' % ('claimed findings' if claimed else 'all findings', pooled['n']))
    nf_ops = {o['name']: o['threshold'] for o in findings[HEADS.index('no_finding')]['operatingPoints']}
    subs = subgroup_rows(rows, Y, P_oof, HEADS, claimed, nf_ops.get('balanced'), 'out-of-fold', n_boot=n_boot // 4)
    folds_nets = {} if smoke else {f: load_net(os.path.join(cv_dir, f'fold{f}-e{best}.pt'), weights, split_at)
                                   for f in range(cfg['folds'])}
    loc = None if smoke else pointing_game(folds_nets, rows, stems[0], HEADS, root)
    shortcuts = shortcut_table(rows, Y, fold, L, HEADS)
    ood_sets = {'adultTrain': train_feats}
    for name, (_, _) in ext.items():
        ood_sets[name] = ext_pred[name][1]
    ood = reference(train_feats, ood_sets)
    smoke_check(wrap, images[:2], out_dir, 2 if not smoke else 3)

    ds = D.dataset_card(root, rows + [r for erows, _ in ext.values() for r in erows])
    ds['splits'] = {f'fold{f}': {'images': int((fold == f).sum()), 'patients': len(set(pid[fold == f]))} for f in range(cfg['folds'])}
    ds['leakageCheck'] = cv['leakage']
    ds['duplicatesDropped'] = cv['duplicatesDropped']
    ds = clean_json(ds)
    with open(os.path.join(out_dir, 'dataset-card.json'), 'w') as f:
        json.dump(ds, f, indent=1, allow_nan=False)
    with open(os.path.join(out_dir, 'dataset-card.md'), 'w') as f:
        f.write(D.card_markdown(ds))
    comparison = None
    cpath = os.path.join(cv_dir, 'compare-current.json')
    if os.path.exists(cpath):
        with open(cpath) as f:
            comparison = json.load(f)
    card = clean_json(build_card(
        sha256=sha256_file(onnx_path), size=cfg['size'], findings=findings, ood=ood, cv=cv, temperatures=T,
        calibration={'perFinding': per_ece, 'pooled': {k: v for k, v in pooled.items() if k != 'tables'}},
        subgroups=subs, gap=sex_gap(subs, 'out-of-fold'), localisation=loc, shortcuts=shortcuts,
        comparison=comparison, datasets=ds, n_params=sum(p.numel() for p in final.parameters()), smoke=smoke,
        card_id=card_id))
    with open(os.path.join(out_dir, 'model.json'), 'w') as f:
        json.dump(card, f, indent=1, allow_nan=False)
    with open(os.path.join(out_dir, 'RESULTS.md'), 'w') as f:
        f.write(results_markdown(card))
    log(f'package written to {out_dir}: onnx {os.path.getsize(onnx_path) / 1e6:.2f} MB; claimed {claimed}')
    return card

