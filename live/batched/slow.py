"""Slow motion for a run of a BatchedGroup: its one step, played phase by phase, on its own networks.

The run leaves the group as a gan_core GAN with everything that decides its future (transfer.release),
takes one ordinary step of gan_core (gan_core.slow_motion, which is train_step's step), and comes
back into the group (transfer.adopt), so the batched step goes on from where the slow one left it.
The other runs are not touched: the last slot's run moves into the freed slot bit for bit
(tests/live/test_batched_isolation.py). A step that went NaN/Inf is undone: the run comes back as it was.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING

from gan_core.slow_motion import Frame, slow_motion_step

if TYPE_CHECKING:
    from .group import BatchedGroup

NAN_MESSAGE = ("the numbers became NaN/Inf in this step, so it was undone: the run is as it was. "
               "Try a lower learning rate.")


def slow_motion_in_group(group: "BatchedGroup", run_id: str) -> list[Frame]:
    """One step of `run_id` as ten frames; the run is back in `group` (another slot) afterwards.
    ValueError (nothing changed) if the step's numbers are not finite."""
    gan = group.release(run_id)
    saved = _state(gan)
    try:
        frames = slow_motion_step(gan)
        if not all(math.isfinite(v) for v in frames[-1].numbers.values()):
            raise ValueError(NAN_MESSAGE)
    except BaseException:
        _restore(gan, saved)
        group.adopt(run_id, gan)
        raise
    group.adopt(run_id, gan)
    return frames


def _state(gan) -> tuple:
    return (copy.deepcopy(gan.G.state_dict()), copy.deepcopy(gan.D.state_dict()),
            copy.deepcopy(gan.opt_g.state_dict()), copy.deepcopy(gan.opt_d.state_dict()),
            None if gan.G_ema is None else copy.deepcopy(gan.G_ema.state_dict()), gan.step, gan.gen.get_state())


def _restore(gan, saved: tuple) -> None:
    g, d, og, od, ema, step, stream = saved
    gan.G.load_state_dict(g)
    gan.D.load_state_dict(d)
    gan.opt_g.load_state_dict(og)
    gan.opt_d.load_state_dict(od)
    if ema is not None:
        gan.G_ema.load_state_dict(ema)
    gan.step = step
    gan.gen.set_state(stream)
