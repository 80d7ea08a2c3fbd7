"""The last good copy of a run: what a run goes back to when a step gives NaN or Inf.

A copy is the run's step, G, D, both optimisers, the EMA of G (NaN reaches it too) and its random stream
(so the run goes on from the copy exactly as it went on the first time, until something is changed). Taking
one every GOOD_EVERY steps must be cheap: a deepcopy of the state dicts at each read-back cost
about 3% of a ring8 step on a CPU, mostly Python work per tensor. So the tensors are copied
into the previous copy's buffers whenever the run's state still has the same layout.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from gan_core.gan import GAN


def _state(gan: GAN) -> dict:
    return {"step": gan.step, "G": gan.G.state_dict(), "D": gan.D.state_dict(), "opt_g": gan.opt_g.state_dict(),
            "opt_d": gan.opt_d.state_dict(), "G_ema": gan.G_ema.state_dict() if gan.G_ema is not None else None,
            "gen": gan.gen.get_state()}


def _copy_into(src, old):
    """A detached copy of the nested state `src` (dicts, lists, tuples, tensors, plain values),
    reusing `old`'s tensors where `old` has the same layout (same keys, shapes, dtypes, devices)."""
    if torch.is_tensor(src):
        if torch.is_tensor(old) and old.shape == src.shape and old.dtype == src.dtype and old.device == src.device:
            return old.copy_(src.detach())
        return src.detach().clone()
    if isinstance(src, dict):
        same = isinstance(old, dict) and old.keys() == src.keys()
        return {k: _copy_into(v, old[k] if same else None) for k, v in src.items()}
    if isinstance(src, (list, tuple)):
        same = isinstance(old, type(src)) and len(old) == len(src)
        return type(src)(_copy_into(v, old[i] if same else None) for i, v in enumerate(src))
    return copy.deepcopy(src)


@dataclass
class LastGood:
    """The copy to go back to. `save` refreshes it in place; `restore` puts it back into the GAN."""

    state: dict

    @classmethod
    def of(cls, gan: GAN) -> "LastGood":
        return cls(_copy_into(_state(gan), None))

    @property
    def step(self) -> int:
        return self.state["step"]

    def save(self, gan: GAN) -> None:
        self.state = _copy_into(_state(gan), self.state)

    def restore(self, gan: GAN) -> None:
        """Back to the copy. load_state_dict keeps the optimisers' state tensors as their own, so the
        copy is then taken afresh (the next save must not write into the optimisers' state)."""
        s = self.state
        gan.G.load_state_dict(s["G"])
        gan.D.load_state_dict(s["D"])
        gan.opt_g.load_state_dict(s["opt_g"])
        gan.opt_d.load_state_dict(s["opt_d"])
        if s["G_ema"] is not None:
            gan.G_ema.load_state_dict(s["G_ema"])
        gan.step = s["step"]
        gan.gen.set_state(s["gen"].clone())
        self.state = _copy_into(_state(gan), None)
