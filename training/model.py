"""Compact CNN for 1-channel chest X-rays with GAP + linear head (CAM-ready)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)), inplace=True)
        y = self.b2(self.c2(y))
        s = x if self.short is None else self.short(x)
        return F.relu(y + s, inplace=True)


class CXRNet(nn.Module):
    """ResNet-style compact backbone. 224 px input -> 14x14 feature map (stride 16)."""

    def __init__(self, n_out, widths=(32, 64, 128, 192), blocks=(1, 1, 2, 2)):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
            nn.Conv2d(16, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))  # /4
        layers = []
        cin = widths[0]
        for i, (w, nb) in enumerate(zip(widths, blocks)):
            for j in range(nb):
                stride = 2 if (j == 0 and i in (1, 2)) else 1  # /4 -> /8 -> /16; last stage keeps 14x14
                layers.append(Block(cin, w, stride))
                cin = w
        self.features = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(cin, n_out)
        self.dim = cin

    def forward_maps(self, x):
        return self.features(self.stem(x))

    def forward(self, x):
        f = self.forward_maps(x)
        g = f.mean(dim=(2, 3))
        return self.fc(self.drop(g))


class ExportWrapper(nn.Module):
    """Exported graph: image -> probs (sigmoid), cam (W . features per location), features (GAP).

    cam[n,k] = sum_c W[k,c] * F[n,c,y,x]; mean over the grid of cam[n,k] + bias[k] = logit[n,k].
    Only the exported head columns (`keep`) are kept (auxiliary training heads are dropped).
    """

    def __init__(self, net, keep):
        super().__init__()
        self.net = net
        keep = torch.as_tensor(keep, dtype=torch.long)
        self.register_buffer('W', net.fc.weight.detach()[keep].clone())
        self.register_buffer('b', net.fc.bias.detach()[keep].clone())

    def forward(self, image):
        f = self.net.forward_maps(image)
        feats = f.mean(dim=(2, 3))
        logits = feats @ self.W.t() + self.b
        probs = torch.sigmoid(logits)
        cam = torch.einsum('kc,nchw->nkhw', self.W, f)
        return probs, cam, feats
