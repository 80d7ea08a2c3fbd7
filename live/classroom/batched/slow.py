"""Slow motion for a run of a BatchedGroup: its one step, played phase by phase, on its own networks.

A copy of the run, as a gan_core GAN with everything that decides its future (transfer.release and
adopt), takes one ordinary step of gan_core (gan_core.slow_motion, which is train_step's step) and
takes the run's place in the group (put_back), so the batched step goes on from where the slow one left it.
The other runs are not touched: the last slot's run moves into the freed slot bit for bit
(tests/live/test_batched_isolation.py). A step that went NaN/Inf is dropped: the run stays as it was.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING

from gan_core.slow_motion import Frame, slow_motion_step

if TYPE_CHECKING:
    from live.classroom.batched.group import BatchedGroup

NAN_MESSAGE = ("the numbers became NaN/Inf in this step, so it was undone: the run is as it was. "
               "Try a lower learning rate.")


def slow_motion_in_group(group: "BatchedGroup", run_id: str) -> list[Frame]:
    """One step of `run_id` as ten frames; the run is back in `group` (another slot) afterwards.
    ValueError (nothing changed) if the step's numbers are not finite."""
    gan = copy_of(group, run_id)
    frames = slow_step(gan)
    put_back(group, run_id, gan)
    return frames


def copy_of(group, run_id: str):
    """A gan_core GAN with everything that decides the run's future, copied (the run stays in the group,
    untouched; its data is shared, never written). The class host takes it under its lock and steps it
    outside (live/classroom/host.py)."""
    gan = group.release(run_id)
    copied = copy.deepcopy(gan, {id(gan.data): gan.data})
    group.adopt(run_id, gan)
    return copied


def slow_step(gan) -> list[Frame]:
    """gan_core's one step, as ten frames, on `gan`; ValueError (NAN_MESSAGE) if its numbers are not finite
    (then `gan` is not to be put back)."""
    frames = slow_motion_step(gan)
    if not all(math.isfinite(v) for v in frames[-1].numbers.values()):
        raise ValueError(NAN_MESSAGE)
    return frames


def put_back(group, run_id: str, gan) -> None:
    """`gan` (a copy that took the slow step) in the run's place in its group."""
    group.release(run_id)
    group.adopt(run_id, gan)
