"""Fine-tuning the trunk of CXRMobileNet on cached stem outputs: masked BCE, AdamW, constant LR.

The learning rate is constant on purpose: the epoch count is chosen by cross-validation, and a final
model trained on all data for that many epochs then follows the same trajectory as the fold models did.
A cosine schedule would end differently for every epoch count.
"""
import numpy as np
import torch
import torch.nn.functional as F


def masked_bce(logits, y):
    """BCE over annotated cells only: an empty label cell (NaN) is unknown, never a negative."""
    m = ~torch.isnan(y)
    loss = F.binary_cross_entropy_with_logits(logits, torch.nan_to_num(y, nan=0.0), reduction='none')
    return (loss * m).sum() / m.sum().clamp_min(1)


def make_optimizer(model, lr, wd):
    return torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=wd)


def train_epoch(model, opt, stems, y, idx, batch, rng, device, amp=False):
    """One epoch over `idx`; each sample is drawn as the image or its mirror (stems[0] / stems[1])."""
    model.train()
    order = rng.permutation(idx)
    total, n = 0.0, 0
    for i in range(0, len(order), batch):
        b = np.sort(order[i:i + batch])
        flip = rng.rand(len(b)) < 0.5
        s = np.where(flip[:, None, None, None], stems[1][b], stems[0][b]).astype(np.float32)
        x = torch.from_numpy(s).to(device)
        t = torch.from_numpy(y[b]).to(device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            lg = model.head_from_stem(x)
        loss = masked_bce(lg.float(), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += float(loss) * len(b)
        n += len(b)
    return total / max(n, 1)


@torch.no_grad()
def logits_from_stems(model, stems0, idx, device, bs=64):
    """Logits of the un-mirrored images (what the engine will see)."""
    model.eval()
    out = []
    for i in range(0, len(idx), bs):
        b = idx[i:i + bs]
        out.append(model.head_from_stem(torch.from_numpy(np.asarray(stems0[b], dtype=np.float32)).to(device)).cpu())
    return torch.cat(out).numpy() if out else np.zeros((0, model.fc.out_features), np.float32)


def trainable_state(model):
    """What fine-tuning changes (trunk + head); the stem is the ImageNet one and is rebuilt from the .pth."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items() if not k.startswith('stem.')}
