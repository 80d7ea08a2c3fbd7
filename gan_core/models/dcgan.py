"""DCGAN generator and discriminator (Radford et al. 2016), sized from the image size.

G: z -> ConvTranspose to a `base` x `base` map, then n_up stride-2 ConvTranspose layers that
double the side and halve the channels; BatchNorm + ReLU inside, tanh out (pixels in [-1, 1]).
D mirrors it with stride-2 convolutions and LeakyReLU(0.2), and ends in one logit per input
(no sigmoid: the losses take logits, which is numerically safer).

    size  base  n_up   G's maps (ngf=32)
       8     2     2   z -> 64x2x2 -> 32x4x4 -> Cx8x8
      28     7     2   z -> 64x7x7 -> 32x14x14 -> Cx28x28
      32     4     3   z -> 128x4x4 -> 64x8x8 -> 32x16x16 -> Cx32x32
      64     4     4   z -> 256x4x4 -> ... -> 32x32x32 -> Cx64x64
"""

from __future__ import annotations

import torch
from torch import nn

from gan_core.models.layers import MinibatchStd, condition_image, condition_vector, pack

SIZES = {8: (2, 2), 28: (7, 2), 32: (4, 3), 64: (4, 4)}  # image side -> (base side, upsampling layers)


def _shape(size: int) -> tuple[int, int]:
    if size not in SIZES:
        raise ValueError(f"DCGAN supports image sizes {sorted(SIZES)}; got {size}")
    return SIZES[size]


class DCGANGenerator(nn.Module):
    def __init__(self, *, nz: int, ngf: int, image_size: int, channels: int, num_classes: int = 0):
        super().__init__()
        base, n_up = _shape(image_size)
        self.nz, self.num_classes = nz, num_classes
        ch = ngf * 2 ** (n_up - 1)
        layers = [nn.ConvTranspose2d(nz + num_classes, ch, base, 1, 0, bias=False),
                  nn.BatchNorm2d(ch), nn.ReLU(True)]  # state: ch x base x base
        for _ in range(n_up - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2  # state: ch x (2 * side) x (2 * side)
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]  # channels x size x size
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        z = condition_vector(z, y, self.num_classes)  # [B, nz (+K)]
        return self.net(z[:, :, None, None])  # [B, C, size, size]


class DCGANDiscriminator(nn.Module):
    def __init__(self, *, ndf: int, image_size: int, channels: int, num_classes: int = 0, pack_size: int = 1,
                 minibatch_std: bool = False, batch_norm: bool = True):
        super().__init__()
        base, n_up = _shape(image_size)
        self.num_classes, self.pack_size = num_classes, pack_size
        ch = ndf
        layers = [nn.Conv2d((channels + num_classes) * pack_size, ch, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for _ in range(n_up - 1):  # no BatchNorm on the first layer, as in DCGAN
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=not batch_norm)]
            layers += [nn.BatchNorm2d(ch * 2)] if batch_norm else []
            layers += [nn.LeakyReLU(0.2, True)]
            ch *= 2  # state: ch x (side / 2) x (side / 2)
        self.body = nn.Sequential(*layers)  # -> ch x base x base
        self.mbstd = MinibatchStd() if minibatch_std else nn.Identity()
        self.head = nn.Conv2d(ch + int(minibatch_std), 1, base, 1, 0)  # -> 1 x 1 x 1

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Penultimate feature maps [B / pack, ch, base, base]."""
        return self.body(pack(condition_image(x, y, self.num_classes), self.pack_size))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, *, return_features: bool = False):
        h = self.features(x, y)
        logits = self.head(self.mbstd(h)).flatten()  # [B / pack]
        return (logits, h.flatten(1)) if return_features else logits
