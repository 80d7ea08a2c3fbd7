"""Adam for R runs at once, each with its own learning rate and its own step count.

Adam's update is elementwise, so one update over stacked rows [A, P] is A separate Adams,
provided each row gets its own hyper-parameters where they differ: here the learning rate and
the bias corrections (runs join at different times and paused runs do not step, so their step
counts differ). The arithmetic follows torch.optim.Adam's multi-tensor form (no weight decay,
no amsgrad), in the same order, so a run's weights match a plain Adam's to float rounding
(tests/test_batched_adam.py).

The caller picks the rows: all of them, or the active runs' rows gathered and scattered back.
"""

from __future__ import annotations

import torch


def _per_run(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """[A] -> [A, 1, ...] so that it broadcasts over the rest of `like`'s dims."""
    return v.view(-1, *([1] * (like.dim() - 1)))


@torch.no_grad()
def adam_update(param: torch.Tensor, grad: torch.Tensor, exp_avg: torch.Tensor, exp_avg_sq: torch.Tensor,
                steps: torch.Tensor, lr: torch.Tensor, betas: tuple[float, float], eps: float = 1e-8) -> None:
    """One Adam step, in place on param, exp_avg and exp_avg_sq (all [A, P]).

    steps [A] (float64): each run's step count *including* this step (1 on its first update).
    lr [A] (float64): each run's learning rate.
    """
    beta1, beta2 = betas
    exp_avg.lerp_(grad, 1 - beta1)  # m <- beta1 m + (1 - beta1) g
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)  # v <- beta2 v + (1 - beta2) g^2
    # bias corrections in float64 (torch computes them as Python floats), rounded to the
    # parameters' dtype where they meet the tensors, as torch's scalar arguments are
    bias_correction1 = 1 - torch.pow(beta1, steps)
    bias_correction2 = 1 - torch.pow(beta2, steps)
    step_size = _per_run((-(lr / bias_correction1)).to(param.dtype), param)  # [A, 1]
    bc2_sqrt = _per_run(bias_correction2.sqrt().to(param.dtype), param)
    denom = (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
    param.add_(step_size * exp_avg / denom)  # p <- p - lr / bc1 * m / (sqrt(v / bc2) + eps)
