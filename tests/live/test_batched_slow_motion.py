"""Slow motion of one run of a BatchedGroup (live/classroom/batched/slow.py): its one step is an ordinary
gan_core step on its own networks, the group goes on from there, and the other runs never notice."""

import math

import pytest
import torch

from gan_core.train import train_step
from live.classroom.batched import BatchedGroup
from live.classroom.batched.slow import slow_motion_in_group

from batched_reference import CFG, assert_bit_identical, assert_same_numbers, cfg_for, group_a_x_b, rows_of

pytestmark = pytest.mark.usefixtures("one_thread")


def test_slow_motion_of_one_run_leaves_the_others_bit_identical(batched_reference):
    ref, ref_numbers = batched_reference
    group = group_a_x_b()
    for step in range(len(ref_numbers)):
        if step in (10, 11, 30):  # x paused, and played in slow motion (twice in a row, then later)
            frames = slow_motion_in_group(group, "x")
            assert len(frames) == 10
            result = group.step({"a": "both", "b": "both"})
        else:
            result = group.step({"a": "both", "b": "both", "x": "both"})
        assert_same_numbers(result, ref_numbers[step], step)
    assert_bit_identical(group, ref)
    assert group.step_of("x") == len(ref_numbers)  # every step counted, slow or not


def test_the_slow_step_is_the_runs_ordinary_gan_core_step_and_it_trains_on_from_there():
    slow, plain = BatchedGroup.for_config(CFG), BatchedGroup.for_config(CFG)
    for g in (slow, plain):
        for run_id in ("a", "x"):
            g.add(run_id, cfg_for(run_id))
        for _ in range(5):
            g.step({"a", "x"})
    frames = slow_motion_in_group(slow, "x")
    gan = plain.release("x")  # the same run taken out, one ordinary step, put back
    expected = {k: float(v) for k, v in train_step(gan).items()}
    plain.adopt("x", gan)
    assert frames[-1].numbers == pytest.approx(expected)
    assert frames[-1].step == slow.step_of("x") == 6
    for _ in range(3):
        slow.step({"a", "x"})
        plain.step({"a", "x"})
    assert_bit_identical(slow, plain, ("a", "x"))


def test_a_slow_step_that_goes_nan_is_undone():
    group = BatchedGroup.for_config(CFG)
    for run_id in ("a", "x"):
        group.add(run_id, cfg_for(run_id))
    for _ in range(3):
        group.step({"a", "x"})
    group.rows["D"][group.slot("x")] = math.nan
    before = {r: rows_of(group, r) for r in ("a", "x")}
    with pytest.raises(ValueError, match="NaN"):
        slow_motion_in_group(group, "x")
    assert group.step_of("x") == 3 and set(group.run_ids) == {"a", "x"}
    for run_id, rows in before.items():
        for name, t in rows.items():
            torch.testing.assert_close(rows_of(group, run_id)[name], t, rtol=0, atol=0, equal_nan=True)
