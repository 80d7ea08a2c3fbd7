"""Optimistic Adam (Daskalakis, Ilyas, Syrgkanis, Zeng 2018, "Training GANs with Optimism").

Plain gradient steps on a min-max game circle the equilibrium (the Theory tab's Dirac-GAN shows it):
each player answers where the other *was*. Optimism adds the change of the last update, a cheap guess
of where the game is going:

    u_t = Adam's update at step t (what `torch.optim.Adam` would add to theta)
    theta_{t+1} = theta_t + 2 u_t - u_{t-1}        (u_{-1} = 0)

On the collapse lesson, where G hops from spot to spot faster than D can follow, this damps the
hopping (docs/MODE_COLLAPSE.md: `ring8-collapse+optimism`).
"""

from __future__ import annotations

import torch


class OptimisticAdam(torch.optim.Adam):
    """Adam whose every update is u_t + (u_t - u_{t-1}). The last update is kept in the optimiser's
    state ("prev_update"), so checkpoints and the live runs' last good copies carry it."""

    @torch.no_grad()
    def step(self, closure=None):
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        before = [p.detach().clone() for p in params]
        loss = super().step(closure)
        for p, old in zip(params, before):
            u = p - old  # Adam's own update u_t
            state = self.state[p]
            prev = state.get("prev_update")
            p.add_(u if prev is None else u - prev)  # theta_t + u_t + (u_t - u_{t-1})
            state["prev_update"] = u
        return loss
