"""Writes a stand-in for the bundled model: training/model.py's CXRNet with seeded random weights,
exported like training/package.py does (image -> probs, cam, features; dynamic batch; opset 13).
Same architecture and size as models/readfirst-cxr, meaningless outputs: for benchmarks only.

usage: /usr/bin/python3 standin_model.py OUT_DIR FINDINGS
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..'))
from training.model import CXRNet, ExportWrapper  # noqa: E402

out, k = sys.argv[1], int(sys.argv[2])
torch.manual_seed(0)
torch.set_num_threads(2)
net = CXRNet(k).eval()
wrap = ExportWrapper(net, list(range(k))).eval()
os.makedirs(out, exist_ok=True)
torch.onnx.export(wrap, torch.zeros(1, 1, 224, 224), os.path.join(out, 'model.onnx'), opset_version=13,
                  input_names=['image'], output_names=['probs', 'cam', 'features'],
                  dynamic_axes={'image': {0: 'N'}, 'probs': {0: 'N'}, 'cam': {0: 'N'}, 'features': {0: 'N'}},
                  do_constant_folding=True)
