"""Trains readfirst's CT pipeline test model on synthetic head phantoms and writes its package.

The model exists to exercise the volume contract end to end (2.5D input of three neighbouring
slices in the brain window, slice scores aggregated by max, a CAM per key slice). It is trained
only on synthetic volumes: an elliptical skull and brain, and in half of them a bright ellipsoid
"lesion". It claims nothing clinical, its card says so, and it is never routed by default.

    /usr/bin/python3 -m training.ct_phantom_demo --out models/ct-phantom-demo
"""

import argparse
import hashlib
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 128
CONTEXT = 1  # neighbours on each side: 3 slices as channels
BRAIN = (40.0, 80.0)  # centre, width in HU
MEAN, STD = 0.5, 0.5


def window(hu: torch.Tensor) -> torch.Tensor:
    c, w = BRAIN
    return ((hu - (c - w / 2)) / w).clamp(0, 1)


def phantom_slabs(gen: torch.Generator, lesion: torch.Tensor) -> torch.Tensor:
    """n × 3 neighbouring slices (HU) of random head phantoms; lesion[i] puts a bright ellipsoid
    (+45 HU) through the middle slice of phantom i. Vectorised over the batch."""
    n = lesion.shape[0]
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, SIZE), torch.linspace(-1, 1, SIZE), indexing="ij")
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(n, 1, 1, generator=gen)
    a, b = u(0.7, 0.9), u(0.8, 0.95)
    cx, cy = u(-0.1, 0.1), u(-0.1, 0.1)
    r = ((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2
    brain = u(25.0, 35.0)
    base = torch.where(r <= 0.85, brain.expand(n, SIZE, SIZE), torch.where(r <= 1.0, torch.tensor(1000.0), torch.tensor(-1000.0)))
    lx, ly, lr = u(-0.4, 0.4), u(-0.4, 0.4), u(0.08, 0.16)
    slices = []
    for dz in range(-CONTEXT, CONTEXT + 1):
        s = base + torch.randn(n, SIZE, SIZE, generator=gen) * 4.0
        rz = lr * math.sqrt(max(0.0, 1 - (dz * 0.5) ** 2))
        inside = (((xx - lx) ** 2 + (yy - ly) ** 2) <= rz**2) & (r <= 0.8) & lesion.view(n, 1, 1).bool()
        slices.append(s + 45.0 * inside.float())
    return torch.stack(slices, dim=1)


class PhantomNet(nn.Module):
    """Three strided convolutions, a 1×1 classifier giving the CAM, global max pooling."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(2 * CONTEXT + 1, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.classifier = nn.Conv2d(16, 1, 1)

    def forward(self, x: torch.Tensor):
        cam = self.classifier(self.features(x))
        # Global max pooling: a small lesion anywhere is the finding; averaging would dilute it.
        logit = cam.amax(dim=(2, 3))
        return torch.sigmoid(logit), cam


def batch(gen: torch.Generator, n: int):
    labels = (torch.rand(n, generator=gen) < 0.5).float()
    x = (window(phantom_slabs(gen, labels)) - MEAN) / STD
    return x, labels.unsqueeze(1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/ct-phantom-demo")
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    torch.manual_seed(7)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(7)
    net = PhantomNet()
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    for step in range(args.steps):
        x, y = batch(gen, 32)
        p, _ = net(x)
        loss = F.binary_cross_entropy(p, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    net.eval()
    with torch.no_grad():
        x, y = batch(torch.Generator().manual_seed(99), 400)
        p, _ = net(x)
        acc = ((p > 0.5).float() == y).float().mean().item()
        pos, neg = p[y == 1], p[y == 0]
        auroc = (pos.unsqueeze(1) > neg.unsqueeze(0)).float().mean().item()
    print(f"synthetic held-out: accuracy {acc:.3f}, AUROC {auroc:.3f}")
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(
        net, torch.zeros(1, 2 * CONTEXT + 1, SIZE, SIZE), onnx_path, opset_version=13,
        input_names=["slab"], output_names=["probs", "cam"],
        dynamic_axes={"slab": {0: "n"}, "probs": {0: "n"}, "cam": {0: "n"}},
    )
    sha = hashlib.sha256(open(onnx_path, "rb").read()).hexdigest()
    card = {
        "schemaVersion": 1,
        "id": "ct-phantom-demo",
        "name": "readfirst CT pipeline test model (synthetic phantoms)",
        "version": "0.1.0",
        "sha256": sha,
        "licence": "Apache-2.0",
        "aiGenerated": True,
        "pipelineTestOnly": True,
        "applicability": {"modalities": ["CT"], "routeByDefault": False},
        "input": {
            "name": "slab", "channels": 2 * CONTEXT + 1, "height": SIZE, "width": SIZE, "resize": "stretch",
            "window": "percentile", "scale": "unit", "normalization": {"type": "fixed", "mean": MEAN, "std": STD},
        },
        "volume": {
            "kind": "2.5d", "contextSlices": CONTEXT, "windows": ["brain"],
            "aggregation": {"method": "max", "k": 1},
            "limits": {"minSlices": 3, "maxSpacingDeviation": 0.1, "maxTiltDegrees": 1},
        },
        "outputs": {"probabilities": "probs", "heatmap": "cam"},
        "findings": [{
            "key": "synthetic_lesion", "index": 0, "display": "Synthetic hyperdense lesion (pipeline test)",
            "code": {"system": "urn:readfirst:pipeline-test", "code": "synthetic-lesion", "display": "Synthetic lesion (not clinical)"},
            "claimed": True,
            "operatingPoints": [{"name": "balanced", "threshold": 0.5, "sensitivity": round(acc, 4), "specificity": round(acc, 4), "n": 400}],
            "evaluation": {"synthetic": {"source": "synthetic phantoms, seed 99", "auroc": round(auroc, 4), "positives": int(y.sum().item()), "negatives": int((1 - y).sum().item())}},
        }],
        "intendedUse": "Pipeline test only: exercises readfirst's CT volume contract (assembly, 2.5D input, aggregation, key slice, heat-map). It detects bright blobs in synthetic phantoms and claims nothing about any patient.",
        "limitations": [
            "Trained only on synthetic phantoms; never on a patient image.",
            "Never routed unless named in inference.testModels.",
            "Its 'finding' is not a clinical finding: no triage policy should map it to a class.",
        ],
        "trainingData": {"summary": f"{args.steps * 32} synthetic 3-slice slabs (seed 7), generated by training/ct_phantom_demo.py"},
        "evaluation": {"summary": f"400 synthetic slabs (seed 99): accuracy {acc:.3f}, AUROC {auroc:.3f}"},
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(onnx_path)} bytes)")


if __name__ == "__main__":
    main()
