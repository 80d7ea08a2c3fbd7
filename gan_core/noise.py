"""The noise z that G turns into data: z ~ N(0, I) ("gaussian") or z ~ U(-1, 1)^nz ("uniform").

Every z in the project comes from `sample_z`: a training batch, the fixed z of the pictures, a
latent walk. With the same generator state it returns the same z, so a seed means one z everywhere.
"""

from __future__ import annotations

import torch

NOISES = ("gaussian", "uniform")


def sample_z(n: int, nz: int, noise: str = "gaussian", generator: torch.Generator | None = None,
             device: torch.device | str | None = None) -> torch.Tensor:
    """z [n, nz] drawn from `generator` (on its device; None: the global RNG)."""
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
    if noise == "uniform":
        return torch.rand(n, nz, device=device, generator=generator) * 2 - 1
    return torch.randn(n, nz, device=device, generator=generator)


def seeded_z(n: int, nz: int, noise: str = "gaussian", seed: int = 0) -> torch.Tensor:
    """z [n, nz] on the CPU from its own generator seeded with `seed`: the same z on any machine
    (move it to the model's device after)."""
    return sample_z(n, nz, noise, torch.Generator().manual_seed(int(seed)))
