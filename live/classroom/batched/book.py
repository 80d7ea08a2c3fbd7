"""What a batched group remembers about each run besides its tensors: settings, stream, counters."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gan_core.config import RunConfig
from gan_core.train import annealed_noise_std


@dataclass
class RunBook:
    """A run's own bookkeeping in a BatchedGroup; its tensors are its slot's rows of the group's Rows."""

    run_id: str
    cfg: RunConfig
    gen: torch.Generator  # the run's random stream: batches, z, instance noise
    data_key: tuple  # (data config, seed): which shared points tensor it trains on
    lr_g: float
    lr_d: float
    step: int = 0
    adam_steps_g: int = 0
    adam_steps_d: int = 0
    good: tuple[int, int, int] = (0, 0, 0)  # (step, adam_steps_g, adam_steps_d) of the last good copy

    def instance_noise_std(self) -> float:
        """Annealed instance noise at this run's step (gan_core.train.instance_noise_std)."""
        return annealed_noise_std(self.cfg.loss, self.step)
