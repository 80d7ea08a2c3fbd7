"""Each run's random draws, from its own torch.Generator, as gan_core.train draws them.

A batched step draws phase by phase for all its runs (every run's batch indices, then every
run's z, then instance noise...), and each run's generator sees its own draws in the order
gan_core.train.d_step / g_step make them: so a run stepped in a group gets the same batches and
noise as the run stepped alone with the same seed. Each draw is written straight into its row
of the batch ([A, B, ...]), which is the same as drawing a [B, ...] tensor and stacking.
"""

from __future__ import annotations

import torch

from gan_core.noise import sample_z


def batch_indices(gens: list[torch.Generator], n: int, batch: int, device) -> torch.Tensor:
    """Indices [A, B] of each run's real batch (Dataset.sample: randint over the n points)."""
    out = torch.empty(len(gens), batch, dtype=torch.long, device=device)
    for row, g in zip(out, gens):
        torch.randint(n, (batch,), generator=g, out=row)
    return out


def real_batch(X: torch.Tensor, data_index: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """Each run's real points [A, B, 2]: X [U, N, 2] the distinct datasets, data_index [A] which
    one each run trains on, idx [A, B] its batch indices."""
    if X.shape[0] == 1:
        return X[0][idx]
    U, N, C = X.shape
    rows = (data_index[:, None] * N + idx).flatten()  # [A * B]: row numbers in X seen as [U * N, C]
    return X.view(U * N, C).index_select(0, rows).view(*idx.shape, C)


def latents(gens: list[torch.Generator], batch: int, nz: int, uniform: bool, device) -> torch.Tensor:
    """z [A, B, nz]: each run's batch from its own generator, N(0, I) or U(-1, 1) when `uniform`."""
    noise = "uniform" if uniform else "gaussian"
    return torch.stack([sample_z(batch, nz, noise, g, device) for g in gens])


def with_instance_noise(x: torch.Tensor, gens: list[torch.Generator], stds: list[float]) -> torch.Tensor:
    """What D sees, x [A, B, C] plus each run's annealed instance noise (gan_core.train._d_input).

    Only runs whose std is > 0 draw (as alone); the others get x back unchanged (x + 0 * 0)."""
    if not any(s > 0 for s in stds):
        return x
    noise = torch.zeros_like(x)
    for row, g, s in zip(noise, gens, stds):
        if s > 0:
            torch.randn(x.shape[1:], generator=g, out=row)
    std = torch.tensor(stds, dtype=x.dtype, device=x.device)[:, None, None]  # [A, 1, 1]
    return x + std * noise
