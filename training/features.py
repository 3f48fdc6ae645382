"""Frozen-stem feature cache: features[:SPLIT_AT] outputs of every image and of its mirror, computed once.

The stem never changes during fine-tuning (STACK-NOTES design), so an epoch of training costs only the
trunk. The mirror is cached beside the original as the one augmentation the cache can hold; it is a
left-right flip of the input, not of the output (convolutions with asymmetric padding are not equivariant).
Stored as float16 (31 KB an image at 224 px with SPLIT_AT 18) in a .npy under the cache folder.
"""
import hashlib
import os

import numpy as np
import torch

from .pretrained import SPLIT_AT


def to_input(u8):
    """uint8 letterboxed [N,H,W] -> the engine's tensor [N,1,H,W] = (v - 0.5) / 0.25 (card: fixed 0.5/0.25)."""
    return (torch.from_numpy(np.ascontiguousarray(u8)).float().div_(255.0).unsqueeze(1) - 0.5) / 0.25


@torch.no_grad()
def stem_outputs(stem, images_u8, bs=16, mirror=False, log=None, device=None):
    stem.eval()
    device = device or torch.device('cpu')
    stem = stem.to(device)
    out = None
    for i in range(0, len(images_u8), bs):
        x = to_input(images_u8[i:i + bs]).to(device)
        if mirror:
            x = torch.flip(x, dims=[3])
        s = stem(x).half().cpu().numpy()
        if out is None:
            out = np.zeros((len(images_u8),) + s.shape[1:], dtype=np.float16)
        out[i:i + len(s)] = s
        if log and (i // bs) % 20 == 0:
            log(f'    stem {"mirror " if mirror else ""}{i + len(s)}/{len(images_u8)}')
    return out


def cached_stem(stem, images_u8, pixhashes, cache_dir, weights_id, log=print, split_at=SPLIT_AT, device=None,
                mirror=True):
    """[2, N, C, h, w] float16: index 0 = image, 1 = mirror ([1, ...] without mirror). Keyed by the images'
    hashes and the weights."""
    os.makedirs(cache_dir, exist_ok=True)
    key = hashlib.sha256(('|'.join(pixhashes) + f'|{weights_id}|{split_at}|{images_u8.shape}' + ('' if mirror else '|nomirror')).encode()).hexdigest()[:16]
    path = os.path.join(cache_dir, f'stem-{images_u8.shape[1]}-{key}.npy')
    if os.path.exists(path):
        return np.load(path)
    a = stem_outputs(stem, images_u8, log=log, device=device)
    both = np.stack([a, stem_outputs(stem, images_u8, mirror=True, log=log, device=device)]) if mirror else a[None]
    tmp = path + '.tmp.npy'
    np.save(tmp, both)
    os.replace(tmp, path)
    return both
