"""gan_core.losses per run: the same formulas, reduced over each run's own batch.

Logits are [R, B'] (B' = B / pack); every function returns one loss per run, [R]. The group
sums them before backward: run r's parameters only reach its own term, so the gradient of the
sum is each run's own gradient. Checked against gan_core.losses in tests/live/test_batched_layers.py.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gan_core import losses
from gan_core.config import BCE_OBJECTIVES

BATCHED_OBJECTIVES = ("nonsaturating", "minimax", "lsgan", "hinge")


def d_loss(objective: str, real: torch.Tensor, fake: torch.Tensor, real_target: torch.Tensor) -> torch.Tensor:
    """D's loss per run [R]. real_target [R]: 1 - that run's one-sided label smoothing (BCE only)."""
    if objective in BCE_OBJECTIVES:
        target = real_target[:, None].expand_as(real)
        return (F.binary_cross_entropy_with_logits(real, target, reduction="none").mean(1)
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake), reduction="none").mean(1))
    if objective == "lsgan":
        return 0.5 * ((real - 1) ** 2).mean(1) + 0.5 * (fake ** 2).mean(1)
    if objective == "hinge":
        return F.relu(1 - real).mean(1) + F.relu(1 + fake).mean(1)
    raise ValueError(f"objective {objective!r} is not batched; one of {', '.join(BATCHED_OBJECTIVES)}")


def g_loss(objective: str, fake: torch.Tensor) -> torch.Tensor:
    """G's loss per run [R]."""
    if objective == "nonsaturating":
        return F.softplus(-fake).mean(1)
    if objective == "minimax":
        return -F.softplus(fake).mean(1)
    if objective == "lsgan":
        return 0.5 * ((fake - 1) ** 2).mean(1)
    if objective == "hinge":
        return -fake.mean(1)
    raise ValueError(f"objective {objective!r} is not batched; one of {', '.join(BATCHED_OBJECTIVES)}")


def d_report(objective: str, logits: torch.Tensor) -> torch.Tensor:
    """Mean D output per run [R]: sigma(logit) for the BCE objectives, the raw score otherwise."""
    return losses.d_output(objective, logits.detach()).mean(1)
