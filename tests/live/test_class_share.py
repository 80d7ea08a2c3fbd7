"""The class process shares by cost (live/classroom/: batched/cost.py, fair_share.py, host.py):
a run over the cost ceiling never joins it, a live change over it is refused, a costly run and a loop
of slow steps take one run's share, and a slow step computed while the run changed is dropped."""

from __future__ import annotations

import threading

import pytest

from gan_core.presets import get_preset
from live.classroom.batched.cost import CLASS_COST_CEILING, step_cost, too_costly
from live.classroom.host import CHANGED, ClassHost
from live.classroom.member import batchable
from live.run import LiveSettings

pytestmark = pytest.mark.usefixtures("one_thread")
RING8 = get_preset("ring8", train={"device": "cpu"})
# the widest values the Train tab's widgets allow (issue #23, finding 1): batchable, and ~300x a ring8 step
WIDEST = RING8.replace(model={"hidden": 256, "depth": 8, "nz": 128}, train={"batch_size": 1024, "d_steps": 10})


@pytest.fixture
def host():
    h = ClassHost()
    yield h
    h.stop()


def test_the_cost_model_orders_the_presets_and_the_widest_settings():
    assert step_cost(RING8) == pytest.approx(1.0)
    for name in ("ring8-collapse", "ring8-collapse+ttur", "ring8-collapse+unrolled", "grid25", "spiral", "moons"):
        assert step_cost(get_preset(name)) <= CLASS_COST_CEILING, name  # every class preset fits
    assert step_cost(RING8.replace(train={"d_steps": 10})) == pytest.approx(5.5)  # 11 passes instead of 2
    assert step_cost(WIDEST) > 100 * CLASS_COST_CEILING / 8
    assert too_costly(RING8) is None and "times a default run's step" in too_costly(WIDEST)


def test_a_run_over_the_ceiling_trains_alone_not_in_the_class(host):
    assert batchable(RING8) and not batchable(WIDEST)
    with pytest.raises(ValueError, match="times a default run's step"):
        host.add("wide", WIDEST)
    assert not host.runs


def test_a_live_change_over_the_ceiling_is_refused_and_the_run_goes_on(host):
    run = host.add("u", get_preset("ring8-collapse+unrolled", train={"device": "cpu"}))
    run.step(2)
    with pytest.raises(ValueError, match="not changed"):
        run.set_live(LiveSettings(d_steps=10, unrolled_steps=10))
    assert run.snapshot().d_steps == 1 and run.snapshot().fixes["unrolled_steps"] == 5
    run.step(1)
    assert run.current_step == 3


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
def test_a_costly_run_steps_less_often_than_the_class(host, wait_for):
    """A run at 5.5x a class step (10 D steps) beside four default runs: all train, and it takes about
    one run's share of the loop, so it steps less often than they do (counted, not timed)."""
    plain = [host.add(f"p{i}", RING8.replace(train={"seed": i})) for i in range(4)]
    costly = host.add("costly", RING8.replace(train={"d_steps": 10, "seed": 9}))
    for run in [*plain, costly]:
        run.start()
    assert wait_for(lambda: costly.current_step >= 30, timeout_s=120)
    for run in [*plain, costly]:
        run.pause()
    assert min(r.current_step for r in plain) > 2 * costly.current_step


def test_slow_steps_are_computed_in_the_loops_turn_and_the_class_goes_on(host, wait_for):
    other = host.add("other", RING8.replace(train={"seed": 1}))
    slow = host.add("slow", RING8)
    other.start()
    for k in range(1, 6):  # a loop of slow steps, as a hostile client sends them
        assert slow.slow_motion()[-1].step == k
    assert wait_for(lambda: other.current_step > 20)
    assert slow.snapshot().history["step"][-1] == 5


def test_a_slow_step_is_dropped_when_the_run_changed_meanwhile(host, monkeypatch):
    run = host.add("r", RING8)
    run.step(3)
    import live.classroom.batched.slow as slow
    began, release = threading.Event(), threading.Event()
    real = slow.slow_motion_step

    def held(gan):  # the loop computes the slow step; meanwhile the student presses Step
        began.set()
        release.wait(30)
        return real(gan)

    monkeypatch.setattr(slow, "slow_motion_step", held)
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("error", _error_of(run.slow_motion)))
    thread.start()
    assert began.wait(30)
    run.step(2, wait=False)
    release.set()
    thread.join(30)
    assert box["error"] == CHANGED
    run.step(1)  # the Step's two steps were taken on the run as it was, not on the slow step's copy
    assert run.current_step == 6


def _error_of(fn) -> str | None:
    try:
        fn()
    except ValueError as e:
        return str(e)
    return None
