"""MLP generator and discriminator for 2D point sets (GAN Lab's networks, configurable)."""

from __future__ import annotations

import torch
from torch import nn

from gan_core.models.layers import MinibatchStd, activation, condition_vector, pack


class MLPGenerator(nn.Module):
    """G: z [B, nz] (+ one-hot label) -> point [B, out_dim]. No output squashing: points are unbounded."""

    def __init__(self, *, nz: int, hidden: int, depth: int, act: str, out_dim: int = 2, num_classes: int = 0):
        super().__init__()
        self.nz, self.num_classes = nz, num_classes
        layers, width = [], nz + num_classes
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), activation(act)]
            width = hidden
        layers.append(nn.Linear(width, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(condition_vector(z, y, self.num_classes))


class MLPDiscriminator(nn.Module):
    """D: point(s) [B, in_dim] -> logits [B / pack]. Hidden layers use LeakyReLU(0.2) unless tanh is asked for."""

    def __init__(self, *, hidden: int, depth: int, act: str, in_dim: int = 2, num_classes: int = 0,
                 pack_size: int = 1, minibatch_std: bool = False):
        super().__init__()
        self.num_classes, self.pack_size = num_classes, pack_size
        layers, width = [], (in_dim + num_classes) * pack_size
        d_act = "leaky_relu" if act == "relu" else act  # ganhacks: LeakyReLU in D avoids sparse gradients
        for _ in range(max(depth, 1)):
            layers += [nn.Linear(width, hidden), activation(d_act)]
            width = hidden
        self.body = nn.Sequential(*layers)
        self.mbstd = MinibatchStd() if minibatch_std else nn.Identity()
        self.head = nn.Linear(width + int(minibatch_std), 1)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Penultimate features [B / pack, hidden] (what feature matching compares)."""
        return self.body(pack(condition_vector(x, y, self.num_classes), self.pack_size))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, *, return_features: bool = False):
        h = self.features(x, y)
        logits = self.head(self.mbstd(h)).squeeze(1)  # [B / pack]
        return (logits, h) if return_features else logits
