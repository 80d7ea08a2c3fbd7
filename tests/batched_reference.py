"""Shared by the batched-engine tests: two runs "a" and "b" stepped alone in their group (the
reference), and checks that other runs' events leave them bit-identical to it."""

import torch

from gan_core.presets import get_preset
from live.classroom.batched import GOOD_EVERY, BatchedGroup

CFG = get_preset("ring8", model={"hidden": 32, "depth": 2}, train={"batch_size": 128, "device": "cpu"})
STEPS = 2 * GOOD_EVERY + 10
KEPT = ("a", "b")  # the runs whose weights must not notice anything


def cfg_for(run_id: str):
    return CFG.replace(train={"seed": sum(map(ord, run_id)), "lr_d": 5e-4 if run_id == "b" else 1e-3})


def rows_of(group: BatchedGroup, run_id: str) -> dict[str, torch.Tensor]:
    slot = group.slot(run_id)
    return {name: t[slot].clone() for name, t in group.rows.tensors.items()}


def assert_bit_identical(group: BatchedGroup, ref: BatchedGroup, run_ids=KEPT) -> None:
    for run_id in run_ids:
        assert group.step_of(run_id) == ref.step_of(run_id)
        mine, theirs = rows_of(group, run_id), rows_of(ref, run_id)
        for name in theirs:
            assert torch.equal(mine[name], theirs[name]), f"{run_id}: {name} differs"


def reference_run() -> tuple[BatchedGroup, list[dict]]:
    """a and b alone in their group, STEPS steps: their numbers per step."""
    ref = BatchedGroup.for_config(CFG)
    for run_id in KEPT:
        ref.add(run_id, cfg_for(run_id))
    numbers = []
    for _ in range(STEPS):
        result = ref.step(set(KEPT))
        numbers.append({r: result.for_run(r) for r in KEPT})
    return ref, numbers


def group_a_x_b() -> BatchedGroup:
    """The reference's runs a and b with a third, x, between them: x's slot sits in the middle of theirs."""
    group = BatchedGroup.for_config(CFG)
    for run_id in ("a", "x", "b"):
        group.add(run_id, cfg_for(run_id))
    return group


def assert_same_numbers(result, ref_numbers: dict, step: int) -> None:
    for run_id in KEPT:
        mine = result.for_run(run_id)
        assert mine.keys() == ref_numbers[run_id].keys()
        for k, v in ref_numbers[run_id].items():
            assert torch.equal(mine[k], v), f"{run_id} {k} at step {step}"
