"""One student's run never touches another's: NaN, Reset, pause, Step D / G, a live learning-rate
change, and runs joining or leaving mid-training leave every other run bit-identical to the
same runs in a group without those events (or without those runs)."""

import math

import pytest
import torch

from live.classroom.batched import GOOD_EVERY, BatchedGroup

from batched_reference import CFG, STEPS, assert_bit_identical, assert_same_numbers, cfg_for, group_a_x_b

pytestmark = pytest.mark.usefixtures("one_thread")

def test_nan_reset_pause_step_modes_and_lr_of_one_run_leave_the_others_bit_identical(batched_reference):
    ref, ref_numbers = batched_reference
    group = group_a_x_b()
    for step in range(STEPS):
        modes = {"a": "both", "b": "both", "x": "both"}
        if step == 10:  # x's D weights go NaN: x alone is restored and halted
            group.rows["D"][group.slot("x")] = math.nan
        if step == 20:
            group.resume("x")
        if step == 30:
            group.reset("x")
        if 35 <= step < 40:
            del modes["x"]  # paused
        if 40 <= step < 45:
            modes["x"] = "d"
        if 45 <= step < 48:
            modes["x"] = "g"
        if step == 50:
            group.set_lr("x", lr_g=0.5, lr_d=0.5)  # a wild lr: x may well blow up, and that is its business
        result = group.step(modes)
        if step == 10:
            assert result.halted == ("x",) and "x" in group.halted
        assert_same_numbers(result, ref_numbers[step], step)
    assert_bit_identical(group, ref)


def test_a_nan_run_goes_back_to_its_last_good_copy_and_is_halted_until_resumed():
    group = BatchedGroup.for_config(CFG)
    for run_id in ("a", "x"):
        group.add(run_id, cfg_for(run_id))
    for _ in range(GOOD_EVERY + 5):
        group.step({"a", "x"})
    slot = group.slot("x")
    good = {name: t[slot].clone() for name, t in group.good.tensors.items()}
    assert group.step_of("x") == GOOD_EVERY + 5
    group.rows["G"][slot, 0] = math.inf
    result = group.step({"a", "x"})
    assert result.halted == ("x",)
    assert not all(torch.isfinite(v) for v in result.for_run("x").values())  # the bad numbers are shown, not hidden
    assert all(torch.isfinite(v) for v in result.for_run("a").values())
    assert group.step_of("x") == GOOD_EVERY and group.step_of("a") == GOOD_EVERY + 6
    for name, t in good.items():
        assert torch.equal(group.rows[name][slot], t), name
    assert "step" in group.halted["x"]
    result = group.step({"a", "x"})  # halted: skipped, weights untouched
    assert result.stepped == ("a",) and math.isnan(result.numbers["d_loss"][slot]) and result.for_run("x") == {}
    assert torch.equal(group.rows["G"][slot], good["G"])
    group.resume("x")
    result = group.step({"a", "x"})
    assert set(result.stepped) == {"a", "x"} and group.step_of("x") == GOOD_EVERY + 1
    assert torch.isfinite(result.numbers["g_loss"]).all()


def test_runs_joining_and_leaving_mid_training_leave_the_others_bit_identical(batched_reference):
    ref, ref_numbers = batched_reference
    group = BatchedGroup.for_config(CFG)
    group.add("c", cfg_for("c"))
    group.add("a", cfg_for("a"))
    group.add("b", cfg_for("b"))
    events = {5: ("add", "d"), 12: ("remove", "c"), 20: ("add", "e"), 21: ("add", "c"), 40: ("remove", "e"),
              60: ("remove", "d"), 61: ("remove", "c"), 70: ("add", "f")}
    for step in range(STEPS):
        event = events.get(step)
        if event and event[0] == "add":
            group.add(event[1], cfg_for(event[1]))
        elif event:
            group.remove(event[1])
        result = group.step(set(group.run_ids))
        assert_same_numbers(result, ref_numbers[step], step)
    assert set(group.run_ids) == {"a", "b", "f"}
    assert_bit_identical(group, ref)


def test_a_run_that_rejoins_starts_from_scratch():
    """remove then add again: a fresh run (step 0), stepping as a fresh run does."""
    group, fresh = BatchedGroup.for_config(CFG), BatchedGroup.for_config(CFG)
    group.add("a", cfg_for("a"))
    fresh.add("a", cfg_for("a"))
    for _ in range(5):
        group.step({"a"})
    group.remove("a")
    group.add("a", cfg_for("a"))
    assert group.step_of("a") == 0
    for _ in range(3):
        group.step({"a"})
        fresh.step({"a"})
    assert_bit_identical(group, fresh, ("a",))


def test_reset_equals_a_fresh_run():
    group, fresh = BatchedGroup.for_config(CFG), BatchedGroup.for_config(CFG)
    for g in (group, fresh):
        g.add("a", cfg_for("a"))
        g.add("b", cfg_for("b"))
    for _ in range(7):
        group.step({"a", "b"})
    group.set_lr("a", lr_g=0.1)
    group.reset("a")  # the config's learning rates come back too
    for _ in range(4):
        group.step({"a"})
        fresh.step({"a"})
    assert_bit_identical(group, fresh, ("a",))


def test_step_refuses_unknown_runs_and_modes():
    group = BatchedGroup.for_config(CFG)
    group.add("a", cfg_for("a"))
    with pytest.raises(KeyError):
        group.step({"nobody"})
    with pytest.raises(ValueError, match="mode"):
        group.step({"a": "sideways"})
    with pytest.raises(ValueError, match="learning rate"):
        group.set_lr("a", lr_g=2.0)
