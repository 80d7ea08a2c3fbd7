"""Building blocks shared by the MLP and DCGAN discriminators and generators.

- `MinibatchStd`: lets D see how varied a batch is (Karras et al. 2018, ProGAN).
- `pack` / `condition_*`: PacGAN packing and class conditioning, done inside D so the
  training step never needs to know about them.
- `init_weights`: DCGAN's N(0, 0.02) (and alternatives), chosen by layer type, not by name.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MinibatchStd(nn.Module):
    """Append one feature: the std-dev of each feature across the batch, averaged.

    A collapsed G makes near-identical samples, so this number is ~0 for a fake batch and
    larger for a real one: D can use it to tell them apart, and G is pushed towards variety.
    Input [B, C, H, W] -> [B, C+1, H, W]; or [B, F] -> [B, F+1].
    """

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        std = torch.sqrt(h.var(dim=0, unbiased=False) + 1e-8).mean()  # scalar
        extra = std.expand(h.shape[0], 1, *h.shape[2:])
        return torch.cat([h, extra], dim=1)


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """PacGAN: [B, C, ...] -> [B/m, m*C, ...]; m consecutive samples become one input to D."""
    if m == 1:
        return x
    b = x.shape[0]
    if b % m:
        raise ValueError(f"batch of {b} cannot be packed in groups of {m}")
    return x.reshape(b // m, m * x.shape[1], *x.shape[2:])


def one_hot(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    return F.one_hot(y, num_classes).float()  # [B] -> [B, K]


def condition_vector(v: torch.Tensor, y: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    """Concatenate a one-hot label to a vector input: [B, F] -> [B, F+K]."""
    if not num_classes:
        return v
    if y is None:
        raise ValueError("this is a conditional model: pass class labels y")
    return torch.cat([v, one_hot(y, num_classes)], dim=1)


def condition_image(x: torch.Tensor, y: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    """Append K constant label planes to an image: [B, C, H, W] -> [B, C+K, H, W]."""
    if not num_classes:
        return x
    if y is None:
        raise ValueError("this is a conditional model: pass class labels y")
    planes = one_hot(y, num_classes)[:, :, None, None].expand(-1, -1, *x.shape[2:])
    return torch.cat([x, planes], dim=1)


def init_weights(module: nn.Module, scheme: str) -> None:
    """Initialise every conv/linear/batch-norm layer of `module` in place."""
    if scheme == "default":
        return
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            if scheme == "dcgan":  # Radford et al. 2016: all weights from N(0, 0.02)
                nn.init.normal_(m.weight, 0.0, 0.02)
            elif scheme == "xavier":
                nn.init.xavier_normal_(m.weight)
            elif scheme == "kaiming":
                nn.init.kaiming_normal_(m.weight, a=0.2, nonlinearity="leaky_relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def apply_spectral_norm(module: nn.Module) -> None:
    """Wrap every conv/linear weight of D in spectral normalisation (Miyato et al. 2018)."""
    for name, child in module.named_children():
        if isinstance(child, (nn.Conv2d, nn.Linear)):
            setattr(module, name, nn.utils.parametrizations.spectral_norm(child))
        else:
            apply_spectral_norm(child)


def activation(name: str) -> nn.Module:
    return {"relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(0.2), "tanh": nn.Tanh()}[name]
