"""What a BatchedGroup hands out: one step's numbers, and one run as plain gan_core modules."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from gan_core.config import RunConfig

SERIES = ("d_loss", "d_real", "d_fake", "grad_norm_d", "g_loss", "grad_norm_g")


@dataclass(frozen=True)
class StepResult:
    """What one group step did. numbers[name][slot] belongs to run_ids[slot]; NaN where not computed."""

    run_ids: tuple[str, ...]  # slot order at this step
    numbers: dict[str, torch.Tensor]  # SERIES -> [R], on the group's device
    stepped: tuple[str, ...]  # runs that took this step
    halted: tuple[str, ...]  # runs that went NaN/Inf: back to their last good copy, halted

    def for_run(self, run_id: str) -> dict[str, torch.Tensor]:
        """One run's numbers as 0-dim tensors, like gan_core.train.train_step's (computed ones only)."""
        slot = self.run_ids.index(run_id)
        values = {k: v[slot] for k, v in self.numbers.items()}
        return {k: v for k, v in values.items() if not math.isnan(v)}


@dataclass
class ExportedRun:
    """One run as plain gan_core modules (copies): for visuals, checkpoints, the field view."""

    G: nn.Module
    D: nn.Module
    G_ema: nn.Module | None
    step: int
    cfg: RunConfig  # with the run's current learning rates

    @property
    def G_eval(self) -> nn.Module:
        """The generator to show: the EMA copy when there is one (GAN.G_eval)."""
        return self.G_ema if self.G_ema is not None else self.G
