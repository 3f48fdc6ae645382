"""Labels, harmonisation, preprocessing cache, patient-level splits, leakage check, dataset card."""
import csv
import hashlib
import json
import os
import zlib
from collections import Counter, defaultdict

import numpy as np
from PIL import Image

# Findings of ../shared/data/README.md (snake_case); these are the NIH-annotated ones + no_finding.
NIH_FINDINGS = ['no_finding', 'atelectasis', 'cardiomegaly', 'consolidation', 'edema', 'effusion', 'emphysema',
                'fibrosis', 'hernia', 'infiltration', 'mass', 'nodule', 'pleural_thickening', 'pneumonia',
                'pneumothorax']
ALL_COLUMNS = NIH_FINDINGS + ['covid19']
# Training heads: the 15 adult outputs (exported) + 1 auxiliary paediatric-pneumonia head (not exported).
AUX_HEAD = 'kermany_pneumonia'
HEADS = NIH_FINDINGS + [AUX_HEAD]
EXPORT_HEADS = NIH_FINDINGS

SOURCES = {
    # directory: role
    'nih-cxr14-621': 'train/val/test (adult, full resolution)',
    'nih-cxr14-bbox': 'train/val/test (adult, full resolution, all diseased)',
    'nih-cxr14-1000-64px': 'train only (adult normals + labels at 64 px; upsampled)',
    'kermany-paediatric-224': 'auxiliary head only (paediatric pneumonia), masked for all adult outputs',
    'covid-chestxray-ieee8023': 'external test only (never trained on)',
}
EXTERNAL = 'covid-chestxray-ieee8023'
SIZE = 224
PCT_LO, PCT_HI = 0.5, 99.5
NORM_MEAN, NORM_STD = 0.5, 0.25


def data_dir(arg=None):
    """--data, else $READFIRST_DATA_DIR, else $READFIRST_SHARED_DIR/data, else ../shared/data beside the repo."""
    shared = os.environ.get('READFIRST_SHARED_DIR') or os.path.join(os.path.dirname(__file__), '..', '..', 'shared')
    return os.path.abspath(arg or os.environ.get('READFIRST_DATA_DIR') or os.path.join(shared, 'data'))


def age_band(age):
    if age is None:
        return 'unknown'
    if age < 18:
        return '0-17'
    if age < 40:
        return '18-39'
    if age < 60:
        return '40-59'
    if age < 80:
        return '60-79'
    return '80+'


def read_source(root, name, limit=None):
    rows = []
    path = os.path.join(root, name, 'labels.csv')
    with open(path, newline='') as f:
        for r in csv.DictReader(f):
            lab = {}
            for c in ALL_COLUMNS:
                v = (r.get(c) or '').strip()
                lab[c] = 1.0 if v == '1' else (0.0 if v == '0' else np.nan)
            age = float(r['age']) if (r.get('age') or '').strip() else None
            rows.append(dict(source_dir=name, file=r['file'], path=os.path.join(root, name, r['file']),
                             sex=(r.get('sex') or '').strip() or 'unknown', age=age, age_band=age_band(age),
                             view=(r.get('view') or '').strip() or 'unknown', source=r.get('source', ''),
                             patient_id=r['patient_id'], labels=lab))
            if limit and len(rows) >= limit:
                break
    return rows


def target_matrix(rows):
    """Harmonised targets [N, len(HEADS)] with NaN = unknown (masked in the loss)."""
    y = np.full((len(rows), len(HEADS)), np.nan, dtype=np.float32)
    for i, r in enumerate(rows):
        if r['source_dir'].startswith('kermany'):
            # Paediatric pneumonia does not transfer to adults (STACK-NOTES): own auxiliary head only.
            y[i, HEADS.index(AUX_HEAD)] = r['labels']['pneumonia']
            continue
        for j, k in enumerate(NIH_FINDINGS):
            y[i, j] = r['labels'][k]
    return y


def load_image(path, size=SIZE):
    """Decode -> float [0,1] by 0.5/99.5 percentile window -> letterbox (centred, pad 0) to SIZE -> uint8."""
    im = Image.open(path)
    if im.mode in ('I;16', 'I;16B', 'I'):
        a = np.asarray(im, dtype=np.float32)
    else:
        a = np.asarray(im.convert('L'), dtype=np.float32)
    lo, hi = np.percentile(a, [PCT_LO, PCT_HI])
    a = np.clip((a - lo) / max(hi - lo, 1e-6), 0, 1)
    h, w = a.shape
    s = size / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    resample = Image.BILINEAR if s > 1 else Image.BOX
    r = np.asarray(Image.fromarray(a).resize((nw, nh), resample), dtype=np.float32)
    out = np.zeros((size, size), dtype=np.float32)
    y0, x0 = (size - nh) // 2, (size - nw) // 2
    out[y0:y0 + nh, x0:x0 + nw] = r
    return np.clip(np.round(out * 255), 0, 255).astype(np.uint8), (h, w)


def file_hash(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def build_cache(root, cache_dir, sources, limit=None, log=print, size=SIZE):
    """Decode every image once; returns rows (with 'idx') and uint8 array [N, size, size]."""
    os.makedirs(cache_dir, exist_ok=True)
    rows_all, arrays = [], []
    for name in sources:
        if not os.path.exists(os.path.join(root, name, 'labels.csv')):
            log(f'  source {name}: missing, skipped')
            continue
        rows = read_source(root, name, limit)
        key = hashlib.sha256(json.dumps([name, size, PCT_LO, PCT_HI, len(rows), limit,
                                         [r['file'] for r in rows]]).encode()).hexdigest()[:16]
        cpath = os.path.join(cache_dir, f'{name}-{size}-{key}.npz')
        if os.path.exists(cpath):
            z = np.load(cpath, allow_pickle=False)
            arr, hashes, pixhashes, shapes = z['images'], list(z['hashes']), list(z['pixhashes']), z['shapes']
        else:
            arr = np.zeros((len(rows), size, size), dtype=np.uint8)
            hashes, pixhashes, shapes = [], [], np.zeros((len(rows), 2), dtype=np.int32)
            for i, r in enumerate(rows):
                arr[i], shapes[i] = load_image(r['path'], size)
                hashes.append(file_hash(r['path']))
                pixhashes.append(hashlib.sha256(arr[i].tobytes()).hexdigest())
            np.savez(cpath, images=arr, hashes=np.array(hashes), pixhashes=np.array(pixhashes), shapes=shapes)
        for i, r in enumerate(rows):
            r['sha256'] = str(hashes[i])
            r['pixhash'] = str(pixhashes[i])
            r['orig_shape'] = [int(shapes[i][0]), int(shapes[i][1])]
        log(f'  source {name}: {len(rows)} images cached ({cpath})')
        rows_all += rows
        arrays.append(arr)
    images = np.concatenate(arrays) if arrays else np.zeros((0, size, size), np.uint8)
    for i, r in enumerate(rows_all):
        r['idx'] = i
    return rows_all, images


def assign_splits(rows, seed=20261129, frac_val=0.2, frac_test=0.2):
    """Patient-level split of the adult NIH images (all three NIH sets share one patient namespace).

    Patients are stratified by whether they have any pneumothorax/effusion/cardiomegaly/nodule/mass and whether
    they have a full-resolution image, then assigned by a seeded hash-free permutation. The 64 px images of val/test
    patients are dropped from training and are not used for evaluation (too small for claims).
    Kermany is train-only (aux head). The external source is 'external'.
    """
    rng = np.random.RandomState(seed)
    pats = defaultdict(list)
    for r in rows:
        if r['source_dir'].startswith('nih-'):
            pats[r['patient_id']].append(r)
    strata = defaultdict(list)
    for p, rs in sorted(pats.items()):
        fullres = any(r['source_dir'] != 'nih-cxr14-1000-64px' for r in rs)
        dis = tuple(int(any(r['labels'][k] == 1 for r in rs)) for k in ('pneumothorax', 'effusion', 'cardiomegaly'))
        strata[(fullres,) + dis].append(p)
    split_of = {}
    for key in sorted(strata):
        ps = strata[key]
        rng.shuffle(ps)
        n = len(ps)
        if not key[0]:  # 64-px-only patients: training only
            for p in ps:
                split_of[p] = 'train'
            continue
        nv, nt = int(round(n * frac_val)), int(round(n * frac_test))
        for i, p in enumerate(ps):
            split_of[p] = 'test' if i < nt else ('val' if i < nt + nv else 'train')
    for r in rows:
        if r['source_dir'] == EXTERNAL:
            r['split'] = 'external'
        elif r['source_dir'].startswith('kermany'):
            r['split'] = 'train'
        else:
            s = split_of[r['patient_id']]
            if s != 'train' and r['source_dir'] == 'nih-cxr14-1000-64px':
                s = 'unused'
            r['split'] = s
    return rows


def leakage_check(rows):
    """Content hashes (file sha256 and decoded-pixel sha256) and patient ids must not cross splits."""
    report = {'file_hash_collisions': [], 'pixel_hash_collisions': [], 'patient_collisions': []}
    for key, name in (('sha256', 'file_hash_collisions'), ('pixhash', 'pixel_hash_collisions'),
                      ('patient_id', 'patient_collisions')):
        where = defaultdict(set)
        files = defaultdict(list)
        for r in rows:
            if r['split'] == 'unused':
                continue
            where[r[key]].add(r['split'])
            files[r[key]].append(r['source_dir'] + '/' + r['file'])
        for h, ss in where.items():
            if len(ss) > 1 and 'train' in ss:
                report[name].append({'key': h[:16], 'splits': sorted(ss), 'files': files[h][:4]})
    # within-split duplicates (same pixels twice) are reported, not fatal
    dup = Counter(r['pixhash'] for r in rows)
    report['duplicate_images_total'] = sum(v - 1 for v in dup.values() if v > 1)
    report['ok'] = not (report['file_hash_collisions'] or report['pixel_hash_collisions'] or report['patient_collisions'])
    return report


def dataset_card(root, rows):
    card = {'dataRoot': 'READFIRST_DATA_DIR or ../shared/data (images are never committed)', 'sources': [],
            'findingsWithoutData': [], 'splits': {}}
    by_src = defaultdict(list)
    for r in rows:
        by_src[r['source_dir']].append(r)
    for name, rs in by_src.items():
        src_md = os.path.join(root, name, 'SOURCE.md')
        lic = ''
        if os.path.exists(src_md):
            for line in open(src_md):
                if any(w in line.lower() for w in ('licence', 'terms', 'cc by', 'no restrictions')):
                    lic += line.strip().lstrip('-* ').strip() + ' '
        labels = {}
        for k in ALL_COLUMNS:
            vals = [r['labels'][k] for r in rs]
            labels[k] = {'positive': int(sum(v == 1 for v in vals)), 'negative': int(sum(v == 0 for v in vals)),
                         'unknown': int(sum(np.isnan(v) for v in vals))}
        card['sources'].append({
            'name': name, 'role': SOURCES.get(name, ''), 'images': len(rs),
            'patients': len(set(r['patient_id'] for r in rs)),
            'labels': labels,
            'sex': dict(Counter(r['sex'] for r in rs)),
            'ageBand': dict(sorted(Counter(r['age_band'] for r in rs).items())),
            'view': dict(Counter(r['view'] for r in rs)),
            'splits': dict(Counter(r.get('split', '?') for r in rs)),
            'licence': lic.strip()[:600],
        })
    for k in ALL_COLUMNS:
        tr = sum(1 for r in rows if r.get('split') == 'train' and r['labels'][k] == 1 and not r['source_dir'].startswith('kermany'))
        if tr < 20:
            card['findingsWithoutData'].append({'key': k, 'adultTrainingPositives': tr})
    for s in ('train', 'val', 'test', 'external', 'unused'):
        rs = [r for r in rows if r.get('split') == s]
        card['splits'][s] = {'images': len(rs), 'patients': len(set(r['patient_id'] for r in rs)),
                             'bySource': dict(Counter(r['source_dir'] for r in rs))}
    card['missing'] = [
        'No adult normal images at full resolution except 69 in nih-cxr14-621 (the 64 px set adds ~500 adult normals, upsampled).',
        'Kermany has no sex/age; it is paediatric (1-5 years) and used only for an auxiliary head.',
        'covid-chestxray-ieee8023 annotates only pneumonia, covid19 and no_finding; it has only 8 non-pneumonia images.',
        'No tuberculosis data at all; no covid19 training data (covid19 output not provided).',
        'NIH labels are text-mined from reports (about 90% accurate), not radiologist reads.',
        'No DICOM training images: all training images are 8-bit PNG/JPEG already windowed by their publishers.',
    ]
    return card


def card_markdown(card):
    lines = ['# Dataset card (generated by training/run.py)', '']
    for s in card['sources']:
        lines.append(f"## {s['name']}: {s['images']} images, {s['patients']} patients")
        lines.append(f"- Role: {s['role']}")
        lines.append(f"- Licence/terms: {s['licence']}")
        lines.append(f"- Splits: {s['splits']}")
        lines.append(f"- Sex: {s['sex']}; age band: {s['ageBand']}; view: {s['view']}")
        pos = {k: f"{v['positive']}/{v['negative']}" + (f" ({v['unknown']} unknown)" if v['unknown'] else '')
               for k, v in s['labels'].items() if v['positive'] or v['negative']}
        lines.append(f"- Labels positive/negative: {pos}")
        lines.append('')
    lines.append('## Splits')
    for k, v in card['splits'].items():
        lines.append(f'- {k}: {v}')
    lines.append('')
    lines.append('## Missing / thin')
    for f in card['findingsWithoutData']:
        lines.append(f"- {f['key']}: only {f['adultTrainingPositives']} adult training positives")
    for m in card['missing']:
        lines.append(f'- {m}')
    return '\n'.join(lines) + '\n'
