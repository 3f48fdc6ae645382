"""A compact, self-contained training pack for a GPU machine that cannot see ../shared (training/gpu.sh).

The pack holds the original JPEG/PNG bytes of the cross-validation population (decoding happens on the GPU
machine, at whatever resolution the run asks for) plus each row's labels and metadata, in one .npz that
stays under 60 MiB (the two NIH sets are about 39 MB). It lives under .cache/ (git-ignored) and is never
committed: it holds third-party images.
"""
import argparse
import hashlib
import io
import json
import os

import numpy as np

from . import data as D
from . import folds as FO

LIMIT_BYTES = 60 * 1024 * 1024


def pack(root, out, sources=None):
    rows = []
    for name in sources or FO.CV_SOURCES:
        rows += D.read_source(root, name)
    blobs, meta = [], []
    for r in rows:
        with open(r['path'], 'rb') as f:
            b = f.read()
        blobs.append(np.frombuffer(b, dtype=np.uint8))
        meta.append({k: (v if not isinstance(v, float) or v == v else None) for k, v in r.items() if k not in ('labels', 'path')}
                    | {'labels': {k: (None if v != v else v) for k, v in r['labels'].items()}, 'sha256': hashlib.sha256(b).hexdigest()})
    offsets = np.cumsum([0] + [len(b) for b in blobs])
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    np.savez(out, bytes=np.concatenate(blobs), offsets=offsets, meta=np.array(json.dumps(meta)))
    size = os.path.getsize(out)
    if size > LIMIT_BYTES:
        raise SystemExit(f'{out} is {size / 2**20:.1f} MiB, over the 60 MiB limit')
    print(f'{len(rows)} images -> {out} ({size / 2**20:.1f} MiB)')


def load_population(path, size, log=print):
    """Same result as crossval.load_population (rows with pixhash/orig_shape, images, duplicates dropped)."""
    from PIL import Image
    z = np.load(path)
    meta = json.loads(str(z['meta']))
    data, off = z['bytes'], z['offsets']
    rows, images = [], np.zeros((len(meta), size, size), np.uint8)
    for i, m in enumerate(meta):
        m['labels'] = {k: (np.nan if v is None else float(v)) for k, v in m['labels'].items()}
        m['path'] = io.BytesIO(data[off[i]:off[i + 1]].tobytes())
        images[i], shape = D.load_image(m['path'], size)
        m['orig_shape'] = [int(shape[0]), int(shape[1])]
        m['pixhash'] = hashlib.sha256(images[i].tobytes()).hexdigest()
        rows.append(m)
    seen, idx = set(), []
    for i, r in enumerate(rows):  # the same rule as folds.deduplicate: first copy of a pixel hash wins
        if r['pixhash'] not in seen:
            seen.add(r['pixhash'])
            idx.append(i)
    kept, dropped = [rows[i] for i in idx], len(rows) - len(idx)
    for i, r in enumerate(kept):
        r['idx'] = i
    log(f'pack {path}: {len(kept)} images at {size} px ({dropped} duplicates dropped)')
    return kept, images[idx], dropped


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=None)
    ap.add_argument('--out', default='.cache/gpu/pack.npz')
    a = ap.parse_args(argv)
    pack(D.data_dir(a.data), a.out)


if __name__ == '__main__':
    main()
