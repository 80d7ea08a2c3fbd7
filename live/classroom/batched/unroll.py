"""Unrolled D in a BatchedGroup (gan_core.train._unroll_d, Metz et al. 2017, first-order form).

Before each G update the group's D takes `unrolled_steps` extra updates for the runs being updated
(batched, as its own D updates are: each run's batch, z and instance noise from its own stream, in
d_step's order), G answers that look-ahead D, and D, its Adam moments and Adam step counts are put
back as they were. The extra updates report nothing, as in gan_core. Every run of a group shares k
(it is in the GroupKey): switching unrolled D on live moves a run to the group of its new k.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from live.classroom.batched.results import SERIES

if TYPE_CHECKING:
    from live.classroom.batched.group import BatchedGroup

SAVED = ("D", "m_D", "v_D")  # what the look-ahead changes, per run: D's row and its Adam moments


def look_ahead(group: "BatchedGroup", slots: list[int]) -> tuple:
    """k extra D updates for `slots`; returns what `put_back` needs to undo them."""
    index = torch.tensor(slots, device=group.device)
    saved = {name: group.rows[name].index_select(0, index) for name in SAVED}  # copies [A, P]
    adam_steps = [group._runs[s].adam_steps_d for s in slots]
    R = len(group)
    for _ in range(group.key.unrolled_steps):
        unreported = {name: torch.full((R,), math.nan, device=group.device) for name in SERIES}
        group._d_update(slots, False, unreported, torch.zeros(R, dtype=torch.bool, device=group.device))
    return index, saved, adam_steps


@torch.no_grad()
def put_back(group: "BatchedGroup", slots: list[int], undo: tuple) -> None:
    """D, its Adam moments and step counts as they were before `look_ahead`."""
    index, saved, adam_steps = undo
    for name, rows in saved.items():
        group.rows[name].index_copy_(0, index, rows)
    for slot, steps in zip(slots, adam_steps):
        group._runs[slot].adam_steps_d = steps
