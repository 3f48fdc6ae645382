"""ONNX export of CXRMobileNet (docs/model-package.md: image -> probs, cam, features), and the way back.

The exported head is temperature-calibrated: logit_k = (W_k . f + b_k) / T_k, probs = sigmoid(logit), and
cam[k] = (W_k / T_k) . F[:, y, x], so mean(cam[k]) + b_k / T_k = logit_k still holds (T is a graph input
constant, not folded into W, so the raw head can be read back). `weights_from_onnx`
reads a package's initializers back into the torch modules by name (the network has no BN, so names
survive export unchanged); that is how the learning loop fine-tunes the bundled model, not a copy of it.
"""
import hashlib
import json
import os

import numpy as np
import torch
import torch.nn as nn

from .features import to_input


class ExportWrapper(nn.Module):
    def __init__(self, net, temperature=None):
        super().__init__()
        self.stem, self.trunk = net.stem, net.trunk
        k = net.fc.out_features
        t = torch.ones(k) if temperature is None else torch.tensor(np.asarray(temperature, dtype=np.float32))
        self.register_buffer('head_w', net.fc.weight.detach().clone())
        self.register_buffer('head_b', net.fc.bias.detach().clone())
        self.register_buffer('temperature', t.clone())

    def forward(self, image):
        f = self.trunk(self.stem(image))
        feats = f.mean(dim=(2, 3))
        probs = torch.sigmoid((feats @ self.head_w.t() + self.head_b) / self.temperature)
        cam = torch.einsum('kc,nchw->nkhw', self.head_w / self.temperature.unsqueeze(1), f)
        return probs, cam, feats


def export_onnx(net, path, size, temperature=None):
    wrap = ExportWrapper(net.cpu().eval(), temperature).eval()
    torch.onnx.export(wrap, torch.zeros(1, 1, size, size), path, opset_version=13, input_names=['image'],
                      output_names=['probs', 'cam', 'features'],
                      dynamic_axes={n: {0: 'N'} for n in ('image', 'probs', 'cam', 'features')},
                      do_constant_folding=False)
    import onnx
    onnx.checker.check_model(onnx.load(path))
    return wrap


def weights_from_onnx(net, path):
    """Load stem/trunk/head weights (and the temperatures) of a package's model.onnx into `net`.

    The graph keeps the raw head W, b and the temperatures T as initializers (T is applied in the
    graph), so fine-tuning continues from the package's own weights. Returns T.
    """
    import onnx
    from onnx import numpy_helper
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    t = inits.get('temperature')
    if t is None:
        raise ValueError(f'{path}: not a CXRMobileNet package (no temperature initializer)')
    sd = net.state_dict()
    missing = []
    for k in sd:
        if k.startswith(('stem.', 'trunk.')):
            if k not in inits:
                missing.append(k)
                continue
            sd[k] = torch.from_numpy(inits[k].copy())
    if missing:
        raise ValueError(f'{path}: {len(missing)} weights missing, e.g. {missing[:3]}')
    sd['fc.weight'] = torch.from_numpy(inits['head_w'].copy())
    sd['fc.bias'] = torch.from_numpy(inits['head_b'].copy())
    net.load_state_dict(sd)
    return t


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return h.hexdigest()


def smoke_check(wrap, images_u8, out_dir, n):
    """Fixed inputs (raw little-endian float32 [1,1,H,W]) + PyTorch outputs, for the onnxruntime-node test."""
    ins = [to_input(images_u8[i:i + 1]) for i in range(min(n, len(images_u8)))]
    H = images_u8.shape[1]
    ins.append(torch.randn(1, 1, H, H, generator=torch.Generator().manual_seed(7)))  # a non-image input too
    entries = []
    with torch.no_grad():
        for i, x in enumerate(ins):
            fn = f'smoke-input-{i}.f32'
            x.numpy().astype('<f4').tofile(os.path.join(out_dir, fn))
            probs, cam, feats = wrap(x)
            entries.append({'file': fn, 'shape': list(x.shape), 'dtype': 'float32-le',
                            'probs': [float(v) for v in probs[0]], 'features': [float(v) for v in feats[0]],
                            'camShape': list(cam.shape), 'camSum': [float(v) for v in cam[0].sum(dim=(1, 2))],
                            'cam00': [float(v) for v in cam[0, :, 0, 0]]})
    for f in os.listdir(out_dir):  # inputs of an earlier, larger check must not linger
        if f.startswith('smoke-input-') and f not in {e['file'] for e in entries}:
            os.remove(os.path.join(out_dir, f))
    doc = {'description': 'PyTorch outputs for fixed inputs; ONNX (onnxruntime-node) must match within 1e-4. '
                          'Each input file is raw little-endian float32 in NCHW order, already normalised '
                          '(feed it directly as the "image" tensor).',
           'onnx': 'model.onnx', 'tolerance': 1e-4, 'inputs': entries}
    with open(os.path.join(out_dir, 'smoke-check.json'), 'w') as f:
        json.dump(doc, f, indent=1)
