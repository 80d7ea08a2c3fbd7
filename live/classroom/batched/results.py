"""What a BatchedGroup hands out: one step's numbers, and one run as plain gan_core modules."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from gan_core.config import RunConfig

SERIES = ("d_loss", "d_real", "d_fake", "grad_norm_d", "g_loss", "grad_norm_g")
D_SERIES, G_SERIES = SERIES[:4], SERIES[4:]  # what a D update and a G update report


@dataclass(frozen=True)
class StepResult:
    """What one group step did. numbers[name][slot] belongs to run_ids[slot]; NaN where not computed."""

    run_ids: tuple[str, ...]  # slot order at this step
    numbers: dict[str, torch.Tensor]  # SERIES -> [R], on the group's device
    modes: dict[str, str]  # run id -> "both", "d" or "g", for the runs that took this step
    halted: tuple[str, ...]  # runs that went NaN/Inf: back to their last good copy, halted

    @property
    def stepped(self) -> tuple[str, ...]:
        return tuple(self.modes)

    def for_run(self, run_id: str) -> dict[str, torch.Tensor]:
        """One run's numbers as 0-dim tensors, like gan_core.train.train_step's: the D numbers when
        it updated D, the G numbers when it updated G; {} when it did not step."""
        mode = self.modes.get(run_id)
        names = {None: (), "both": SERIES, "d": D_SERIES, "g": G_SERIES}[mode]
        slot = self.run_ids.index(run_id)
        return {k: self.numbers[k][slot] for k in names}


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
