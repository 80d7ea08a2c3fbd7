"""2D point sets: Gaussian mixtures with known mode centres and std (what the mode-collapse metrics
count modes against), a spiral, two moons and GAN Lab's line. Points are float32 [n, 2] on the CPU."""

from __future__ import annotations

import math

import torch

from gan_core.errors import DatasetError


def mixture_centers(name: str) -> tuple[torch.Tensor, float] | tuple[None, float]:
    """Mode centres [M, 2] and component std of the named 2D mixture (None for spiral/moons)."""
    if name == "ring8":  # 8 Gaussians on a circle of radius 2; 9 points with the last dropped = 8 angles
        angles = torch.linspace(0, 2 * math.pi, 9)[:8]
        return 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1), 0.02
    if name == "grid25":  # 5 x 5 grid {-4,-2,0,2,4}^2 (VEEGAN / PacGAN)
        ticks = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
        gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
        return torch.stack([gx.flatten(), gy.flatten()], dim=1), 0.05
    if name == "two_gaussians":  # GAN Lab's "two Gaussian hills"
        return torch.tensor([[-1.0, -1.0], [1.0, 1.0]]), 0.25
    return None, 0.0


def make_points(name: str, n: int, seed: int = 0) -> torch.Tensor:
    """Draw n real 2D points [n, 2] (float32, CPU) from the named distribution."""
    g = torch.Generator().manual_seed(seed)
    centers, std = mixture_centers(name)
    if centers is not None:
        which = torch.randint(len(centers), (n,), generator=g)
        return centers[which] + std * torch.randn(n, 2, generator=g)
    if name == "spiral":  # one arm, radius growing with angle, scaled to about [-2, 2]
        t = torch.rand(n, generator=g).sqrt() * 3 * math.pi
        r = t / (1.5 * math.pi)
        pts = torch.stack([r * t.cos(), r * t.sin()], dim=1)
        return pts + 0.04 * torch.randn(n, 2, generator=g)
    if name == "moons":  # two interleaved half circles (as sklearn.datasets.make_moons)
        t = torch.rand(n, generator=g) * math.pi
        upper = torch.rand(n, generator=g) < 0.5
        x = torch.where(upper, t.cos(), 1 - t.cos())
        y = torch.where(upper, t.sin(), 0.5 - t.sin())
        pts = torch.stack([x - 0.5, y - 0.25], dim=1) * 1.5
        return pts + 0.05 * torch.randn(n, 2, generator=g)
    if name == "line":  # GAN Lab's "line": uniform on a segment
        t = torch.rand(n, generator=g) * 3 - 1.5
        return torch.stack([t, 0.5 * t], dim=1) + 0.02 * torch.randn(n, 2, generator=g)
    raise DatasetError(f"unknown 2D dataset {name!r}")
