"""CAM pointing game on the NIH bounding boxes (nih-metadata/BBox_List_2017.csv.gz), out of fold.

Each boxed image is scored by the fold model that never saw its patient, at the chosen epoch: a hit
when the CAM maximum of the boxed finding lies inside the box (plus half a CAM cell); chance is the
mean box area fraction. A model that looks at tubes or markers instead of the lesion scores near chance.
"""
import csv
import gzip
import os

import numpy as np
import torch

from .summary import r3

BOX_LABEL = {'Pneumothorax': 'pneumothorax', 'Effusion': 'effusion', 'Cardiomegaly': 'cardiomegaly',
             'Nodule': 'nodule', 'Mass': 'mass', 'Atelectasis': 'atelectasis', 'Pneumonia': 'pneumonia',
             'Infiltrate': 'infiltration'}


def read_boxes(root):
    path = os.path.join(root, 'nih-metadata', 'BBox_List_2017.csv.gz')
    if not os.path.exists(path):
        return None
    boxes = {}
    with gzip.open(path, 'rt') as f:
        rd = csv.reader(f)
        next(rd)
        for r in rd:
            boxes.setdefault(r[0].rsplit('.', 1)[0], []).append((r[1], *map(float, r[2:6])))
    return boxes


@torch.no_grad()
def pointing_game(models_by_fold, rows, stems0, heads, root):
    """models_by_fold: fold -> CXRMobileNet (fine-tuned on the other folds). Square originals only."""
    boxes = read_boxes(root)
    if boxes is None:
        return None
    res = {}
    for i, r in enumerate(rows):
        stem = os.path.basename(r['file']).rsplit('.', 1)[0]
        if stem not in boxes or r['orig_shape'][0] != r['orig_shape'][1]:
            continue
        net = models_by_fold[r['fold']].eval()
        fmap = net.trunk(torch.from_numpy(np.asarray(stems0[i:i + 1], dtype=np.float32)))[0]
        for lab, x, y, w, h in boxes[stem]:
            k = BOX_LABEL.get(lab)
            if k is None:
                continue
            c = torch.einsum('c,chw->hw', net.fc.weight[heads.index(k)], fmap).numpy()
            gh, gw = c.shape
            yy, xx = np.unravel_index(np.argmax(c), c.shape)
            cx, cy = (xx + 0.5) / gw * 1024, (yy + 0.5) / gh * 1024
            tol = 1024 / gw / 2
            hit = (x - tol <= cx <= x + w + tol) and (y - tol <= cy <= y + h + tol)
            e = res.setdefault(k, {'boxes': 0, 'hits': 0, 'chance': 0.0})
            e['boxes'] += 1
            e['hits'] += int(hit)
            e['chance'] += min(1.0, (w + 2 * tol) * (h + 2 * tol) / 1024 ** 2)
    for e in res.values():
        e['hitRate'] = r3(e['hits'] / e['boxes'])
        e['chance'] = r3(e['chance'] / e['boxes'])
    return res
