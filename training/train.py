"""Training loop: masked BCE, X-ray augmentation, EMA weights, per-epoch resumable checkpoints."""
import copy
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data as D
from .metrics import auroc
from .model import CXRNet


def set_determinism(seed):
    torch.manual_seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.backends.cudnn.benchmark = False
    try:
        torch.use_deterministic_algorithms(True, warn_only=True)
    except TypeError:
        pass


def to_input(u8):
    """uint8 letterboxed [N,H,W] -> float [N,1,H,W] in [0,1] (8-bit value / 255)."""
    return torch.from_numpy(u8).float().div_(255.0).unsqueeze(1)


def normalize(x):
    return (x - D.NORM_MEAN) / D.NORM_STD


def augment(x, lowres_flag, g):
    """x: [B,1,H,W] in [0,1]. Random X-ray-like variation, all batched. g: torch.Generator."""
    B, _, H, W = x.shape
    u = lambda *s: torch.rand(*s, generator=g)
    # window jitter (different VOI/percentile windows), then gamma and contrast/brightness
    lo = u(B) * 0.06
    hi = 1 - u(B) * 0.06
    x = ((x - lo.view(B, 1, 1, 1)) / (hi - lo).view(B, 1, 1, 1)).clamp(0, 1)
    gamma = torch.exp((u(B) * 2 - 1) * math.log(1.5))
    x = x.clamp_min(1e-6) ** gamma.view(B, 1, 1, 1)
    c = 0.8 + 0.4 * u(B)
    b = (u(B) * 2 - 1) * 0.08
    x = ((x - 0.5) * c.view(B, 1, 1, 1) + 0.5 + b.view(B, 1, 1, 1)).clamp(0, 1)
    # resolution loss: 15% of full-res images go through 64 px (so "blurry" is not a shortcut to the 64 px set)
    down = (u(B) < 0.15) & (~lowres_flag)
    if down.any():
        xs = x[down]
        r = 48 + int(u(1).item() * 48)
        xs = F.interpolate(F.interpolate(xs, size=(r, r), mode='area'), size=(H, W), mode='bilinear',
                           align_corners=False)
        x = x.clone()
        x[down] = xs
    # small rotation / scale / translation (padding 0 = black, like the letterbox)
    ang = (u(B) * 2 - 1) * math.radians(8)
    sc = 1.0 / (0.9 + 0.22 * u(B))
    tx, ty = (u(B) * 2 - 1) * 0.06, (u(B) * 2 - 1) * 0.06
    cos, sin = torch.cos(ang) * sc, torch.sin(ang) * sc
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    # noise
    sigma = u(B) * 0.03
    x = (x + torch.randn(x.shape, generator=g) * sigma.view(B, 1, 1, 1)).clamp(0, 1)
    return x


def masked_bce(logits, y, head_w):
    m = ~torch.isnan(y)
    yt = torch.nan_to_num(y, nan=0.0)
    l = F.binary_cross_entropy_with_logits(logits, yt, reduction='none') * head_w
    return (l * m).sum() / m.sum().clamp_min(1)


@torch.no_grad()
def predict(model, images_u8, device, bs=64, return_features=False):
    model.eval()
    outs, feats = [], []
    for i in range(0, len(images_u8), bs):
        x = normalize(to_input(images_u8[i:i + bs])).to(device)
        f = model.forward_maps(x).mean(dim=(2, 3))
        outs.append(torch.sigmoid(model.fc(f)).cpu())
        feats.append(f.cpu())
    p = torch.cat(outs).numpy() if outs else np.zeros((0, len(D.HEADS)))
    if return_features:
        return p, (torch.cat(feats).numpy() if feats else None)
    return p


def val_score(probs, y):
    """Mean AUROC over the adult heads with >=5 positives and >=5 negatives in adult validation."""
    aucs = {}
    for j, k in enumerate(D.EXPORT_HEADS):
        t = y[:, j]
        m = ~np.isnan(t)
        if (t[m] == 1).sum() >= 5 and (t[m] == 0).sum() >= 5:
            aucs[k] = auroc(t[m], probs[m, j])
    return (float(np.mean(list(aucs.values()))) if aucs else 0.0), aucs


def train(rows, images, cfg, ckpt_dir, log=print):
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    torch.set_num_threads(cfg.get('threads', 2))
    seed = cfg['seed']
    set_determinism(seed)
    Y = D.target_matrix(rows)
    split = np.array([r['split'] for r in rows])
    src = np.array([r['source_dir'] for r in rows])
    tr_full = np.where((split == 'train') & np.isin(src, ['nih-cxr14-621', 'nih-cxr14-bbox']))[0]
    tr_low = np.where((split == 'train') & (src == 'nih-cxr14-1000-64px'))[0]
    tr_kid = np.where((split == 'train') & np.char.startswith(src, 'kermany'))[0]
    # adult validation only (pooled validation lies, STACK-NOTES); full-resolution NIH
    va = np.where(split == 'val')[0]
    log(f'train full-res {len(tr_full)}, 64px {len(tr_low)}, kermany {len(tr_kid)}; val {len(va)}')

    model = CXRNet(len(D.HEADS)).to(device)
    ema = copy.deepcopy(model)
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg['lr'], weight_decay=cfg['wd'])
    head_w = torch.ones(len(D.HEADS))
    head_w[D.HEADS.index(D.AUX_HEAD)] = cfg.get('aux_weight', 2.0)
    head_w = head_w.to(device)

    n_per_epoch = len(tr_full) * cfg['full_repeat'] + min(len(tr_low), cfg['n_low']) + min(len(tr_kid), cfg['n_kid'])
    steps_per_epoch = max(1, n_per_epoch // cfg['batch'])
    total_steps = steps_per_epoch * cfg['epochs']
    warm = min(steps_per_epoch * 2, total_steps // 10 + 1)

    def lr_at(step):
        if step < warm:
            return cfg['lr'] * (step + 1) / warm
        t = (step - warm) / max(1, total_steps - warm)
        return cfg['lr'] * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))

    state_path = os.path.join(ckpt_dir, 'last.pt')
    best_path = os.path.join(ckpt_dir, 'best.pt')
    os.makedirs(ckpt_dir, exist_ok=True)
    start_epoch, step, hist, best = 0, 0, [], {'score': -1, 'epoch': -1}
    if os.path.exists(state_path):
        st = torch.load(state_path, map_location=device)
        same = lambda a, b: {k: v for k, v in a.items() if k != 'epochs'} == {k: v for k, v in b.items() if k != 'epochs'}
        if st.get('cfg') == cfg or (st.get('cfg') and same(st['cfg'], cfg) and st['epoch'] + 1 < cfg['epochs']):
            if st['cfg'] != cfg:
                log(f"resuming with epochs {st['cfg']['epochs']} -> {cfg['epochs']} (LR schedule rescaled)")
                st['hist'].append({'note': f"after epoch {st['epoch']}: epochs {st['cfg']['epochs']} -> {cfg['epochs']}"})
            model.load_state_dict(st['model'])
            ema.load_state_dict(st['ema'])
            opt.load_state_dict(st['opt'])
            start_epoch, step, hist, best = st['epoch'] + 1, st['step'], st['hist'], st['best']
            log(f'resumed from epoch {st["epoch"]}')
        else:
            log('checkpoint config differs: starting afresh')
    decay = cfg['ema_decay']
    for epoch in range(start_epoch, cfg['epochs']):
        t0 = time.time()
        rs = np.random.RandomState((seed * 1000 + epoch) % (2 ** 32))
        g = torch.Generator().manual_seed((seed * 1000 + epoch) % (2 ** 32))
        idx = np.concatenate([np.tile(tr_full, cfg['full_repeat']),
                              rs.choice(tr_low, min(len(tr_low), cfg['n_low']), replace=False) if len(tr_low) else [],
                              rs.choice(tr_kid, min(len(tr_kid), cfg['n_kid']), replace=False) if len(tr_kid) else []]).astype(int)
        rs.shuffle(idx)
        model.train()
        tot, nb = 0.0, 0
        for bi in range(steps_per_epoch):
            b = np.sort(idx[bi * cfg['batch']:(bi + 1) * cfg['batch']])
            if len(b) == 0:
                continue
            x = to_input(images[b])
            x = normalize(augment(x, torch.from_numpy(src[b] == 'nih-cxr14-1000-64px'), g)).to(device)
            y = torch.from_numpy(Y[b]).to(device)
            for pg in opt.param_groups:
                pg['lr'] = lr_at(step)
            loss = masked_bce(model(x), y, head_w)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            d = min(decay, (1 + step) / (10 + step))
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(d).add_(pm.detach(), alpha=1 - d)
                for be, bm in zip(ema.buffers(), model.buffers()):
                    if be.dtype.is_floating_point:
                        be.mul_(d).add_(bm, alpha=1 - d)
                    else:
                        be.copy_(bm)
            tot += loss.item()
            nb += 1
        pv = predict(ema, images[va], device) if len(va) else np.zeros((0, len(D.HEADS)))
        score, aucs = val_score(pv, Y[va]) if len(va) else (0.0, {})
        pm_ = predict(model, images[va], device) if len(va) else pv
        score_raw, _ = val_score(pm_, Y[va]) if len(va) else (0.0, {})
        rec = {'epoch': epoch, 'loss': tot / max(nb, 1), 'val_ema': score, 'val_raw': score_raw,
               'val_auc': {k: round(v, 3) for k, v in aucs.items()}, 'sec': round(time.time() - t0, 1),
               'lr': lr_at(step)}
        hist.append(rec)
        if score > best['score']:
            best = {'score': score, 'epoch': epoch}
            torch.save({'ema': ema.state_dict(), 'epoch': epoch, 'score': score, 'cfg': cfg}, best_path)
        torch.save({'model': model.state_dict(), 'ema': ema.state_dict(), 'opt': opt.state_dict(), 'epoch': epoch,
                    'step': step, 'hist': hist, 'best': best, 'cfg': cfg}, state_path + '.tmp')
        os.replace(state_path + '.tmp', state_path)
        log(json.dumps(rec))
    if not os.path.exists(best_path):
        torch.save({'ema': ema.state_dict(), 'epoch': -1, 'score': 0, 'cfg': cfg}, best_path)
    st = torch.load(best_path, map_location=device)
    final = CXRNet(len(D.HEADS))
    final.load_state_dict(st['ema'])
    final.eval()
    with open(os.path.join(ckpt_dir, 'history.json'), 'w') as f:
        json.dump({'hist': hist, 'best': best}, f, indent=1)
    return final, {'hist': hist, 'best': best}
