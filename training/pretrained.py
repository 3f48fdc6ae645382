"""ImageNet MobileNetV2 (../shared/pretrained, Apache-2.0) as a 1-channel chest X-ray network.

The shared weights come from an int8 TFLite model whose batch norm was folded into the convolutions
(SOURCE.md): every BN layer is stored as weight 1, mean 0, var 1 - eps, so it only adds a bias. BN
statistics of such a network are not real ones, so we never re-estimate them: each Conv+BN pair is
turned into one Conv with a bias, once, at load time. The network then has no BN at all ("frozen BN"
by construction), the conv biases fine-tune like BN betas, and the ONNX export has one initializer per
state-dict key, which is what lets `weights_from_onnx` rebuild the torch model from a bundled package.

STACK-NOTES (December 2026) fine-tuned features[14:]; on this machine's share of 2 cores that was 4.5 hours
for the k-fold run, so `stem` = features[:18] (frozen, its outputs cached once per image and per mirror
image) and `trunk` = features[18] (the last 1x1 conv, 320 -> 1280) + a new linear head (CAM-ready). SPLIT_AT
is the one knob; the GPU path can lower it (training/gpu.sh).
"""
import os

import torch
import torch.nn as nn

DEFAULT_WEIGHTS = 'mobilenet_v2_imagenet.pth'
SPLIT_AT = 18
TRUNK_DIM = 1280


def pretrained_path(arg=None):
    """The .pth path: --pretrained, else $READFIRST_PRETRAINED, else $READFIRST_SHARED_DIR/pretrained, else ../shared."""
    if arg:
        return os.path.abspath(arg)
    if os.environ.get('READFIRST_PRETRAINED'):
        return os.path.abspath(os.environ['READFIRST_PRETRAINED'])
    shared = os.environ.get('READFIRST_SHARED_DIR') or os.path.join(os.path.dirname(__file__), '..', '..', 'shared')
    return os.path.abspath(os.path.join(shared, 'pretrained', DEFAULT_WEIGHTS))


def _fold(conv, bn):
    """Conv(no bias) + BN(eval) -> Conv with bias; exact in eval mode."""
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    out = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                    conv.dilation, conv.groups, bias=True)
    out.weight.data = conv.weight.detach() * scale.view(-1, 1, 1, 1)
    b0 = conv.bias.detach() if conv.bias is not None else torch.zeros(conv.out_channels)
    out.bias.data = (b0 - bn.running_mean) * scale + bn.bias.detach()
    return out


def fold_batchnorm(module):
    """Replace, in every Sequential (MobileNetV2's Conv2dNormActivation included), each Conv2d directly
    followed by a BatchNorm2d by one biased Conv2d; children are renumbered 0..n-1."""
    from collections import OrderedDict
    for child in module.children():
        fold_batchnorm(child)
    if isinstance(module, nn.Sequential):
        items, new, i = list(module.children()), [], 0
        while i < len(items):
            if isinstance(items[i], nn.Conv2d) and i + 1 < len(items) and isinstance(items[i + 1], nn.BatchNorm2d):
                new.append(_fold(items[i], items[i + 1]))
                i += 2
            else:
                new.append(items[i])
                i += 1
        module._modules = OrderedDict((str(j), m) for j, m in enumerate(new))
    return module


class CXRMobileNet(nn.Module):
    """Grey MobileNetV2 without BN; `stem` (frozen) -> `trunk` (fine-tuned) -> GAP -> `fc` (CAM-ready).

    Input: the engine's tensor, [N,1,H,W] = (v - 0.5) / 0.25 with v the windowed image in [0,1]. ImageNet
    MobileNetV2 wants RGB (u - 128) / 128 = 2v - 1 = x / 2, so the first conv is summed over its RGB
    inputs and halved: the network sees exactly what ImageNet training saw, for a grey image.
    """

    def __init__(self, n_out, stem, trunk):
        super().__init__()
        self.stem = stem
        self.trunk = trunk
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(TRUNK_DIM, n_out)
        self.dim = TRUNK_DIM

    def forward_maps(self, x):
        return self.trunk(self.stem(x))

    def forward(self, x):
        return self.fc(self.drop(self.forward_maps(x).mean(dim=(2, 3))))

    def head_from_stem(self, s):
        """Logits from cached stem outputs (training on the feature cache)."""
        return self.fc(self.drop(self.trunk(s).mean(dim=(2, 3))))


def build(n_out, weights=None, init_head_seed=0, split_at=SPLIT_AT):
    """CXRMobileNet from the ImageNet .pth (weights=None: random init, for tests and for loading a package)."""
    import torchvision
    net = torchvision.models.mobilenet_v2(num_classes=1000)
    if weights is not None:
        net.load_state_dict(torch.load(weights, map_location='cpu'))
    net.eval()
    feats = fold_batchnorm(net.features)
    first = feats[0][0]
    grey = nn.Conv2d(1, first.out_channels, first.kernel_size, first.stride, first.padding, bias=True)
    grey.weight.data = first.weight.detach().sum(dim=1, keepdim=True) * 0.5
    grey.bias.data = first.bias.detach().clone()
    feats[0][0] = grey
    stem = nn.Sequential(*list(feats.children())[:split_at])
    trunk = nn.Sequential(*list(feats.children())[split_at:])
    for p in stem.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(init_head_seed)
    m = CXRMobileNet(n_out, stem, trunk)
    m.fc.weight.data.normal_(0, 0.01, generator=g)
    nn.init.zeros_(m.fc.bias)
    return m
