"""Writes a tiny, seeded ONNX model with the readfirst package graph (image -> probs, cam, features).

usage: /usr/bin/python3 tiny_model.py OUT_DIR SIZE FINDINGS FEATURES SEED

The graph: F = relu(conv_patch(image)) on a 4x4 grid; features = mean(F); cam = W.F (1x1 conv);
probs = sigmoid(W.features + b). It also writes expected.json: a fixed input and the outputs
numpy computes for it, so tests can check ONNX Runtime's exact answer.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, size, k, d, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
assert size % 4 == 0
patch = size // 4
rng = np.random.RandomState(seed)
w1 = (rng.randn(d, 1, patch, patch) / patch).astype(np.float32)
b1 = (rng.randn(d) * 0.1).astype(np.float32)
w2 = rng.randn(k, d).astype(np.float32)
b2 = (rng.randn(k) * 0.5).astype(np.float32)

nodes = [
    helper.make_node('Conv', ['image', 'w1', 'b1'], ['f0'], strides=[patch, patch], kernel_shape=[patch, patch]),
    helper.make_node('Relu', ['f0'], ['fmap']),
    helper.make_node('GlobalAveragePool', ['fmap'], ['gap']),
    helper.make_node('Flatten', ['gap'], ['features'], axis=1),
    helper.make_node('Conv', ['fmap', 'w2c'], ['cam'], kernel_shape=[1, 1]),
    helper.make_node('Gemm', ['features', 'w2', 'b2'], ['logits'], transB=1),
    helper.make_node('Sigmoid', ['logits'], ['probs']),
]
inits = [numpy_helper.from_array(a, n) for a, n in
         [(w1, 'w1'), (b1, 'b1'), (w2, 'w2'), (b2, 'b2'), (w2.reshape(k, d, 1, 1), 'w2c')]]
graph = helper.make_graph(
    nodes, 'readfirst-tiny',
    [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', 1, size, size])],
    [helper.make_tensor_value_info('probs', TensorProto.FLOAT, ['N', k]),
     helper.make_tensor_value_info('cam', TensorProto.FLOAT, ['N', k, 4, 4]),
     helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', d])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='readfirst-tests')
model.ir_version = 7
onnx.checker.check_model(model)
os.makedirs(out, exist_ok=True)
onnx.save(model, os.path.join(out, 'model.onnx'))

# Reference outputs for a fixed input (a ramp plus a bright square), computed in float64.
yy, xx = np.mgrid[0:size, 0:size]
x = ((xx + yy) / (2.0 * size) - 0.5)
x[size // 4: size // 2, size // 4: size // 2] += 1.0
x = x.astype(np.float32)
blocks = x.reshape(4, patch, 4, patch).transpose(0, 2, 1, 3).astype(np.float64)  # [gy, gx, py, px]
f = np.einsum('dpq,yxpq->dyx', w1[:, 0].astype(np.float64), blocks) + b1[:, None, None]
f = np.maximum(f, 0)
feats = f.mean(axis=(1, 2))
cam = np.einsum('kd,dyx->kyx', w2.astype(np.float64), f)
probs = 1 / (1 + np.exp(-(w2.astype(np.float64) @ feats + b2)))
with open(os.path.join(out, 'expected.json'), 'w') as fh:
    json.dump({'input': x.ravel().tolist(), 'probs': probs.tolist(), 'cam': cam.ravel().tolist(),
               'features': feats.tolist()}, fh)
