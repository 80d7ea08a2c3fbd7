"""Run.slow_motion (live/run.py) in every kind of run: a paused or new run takes exactly one step,
played as ten frames, and its history gets that step's row; a running run is asked to pause first."""

from __future__ import annotations

import pytest

from gan_core.presets import get_preset
from live.run import PAUSE_FIRST
from live.single import remote as worker

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")
LINUX_ONLY = pytest.mark.skipif(not worker.processes_available(), reason="run processes are Linux-only")
RING8 = get_preset("ring8", train={"device": "cpu"})  # the class preset: batched in the class process


def check_contract(run, wait_for) -> None:
    """A new run, then a running one (refused), then a paused one: each slow step is one step."""
    frames = run.slow_motion()
    assert [f.phase for f in frames] == list(range(1, 11))
    assert [f.caption.split(" · ")[0] for f in frames] == [f"{i}/10" for i in range(1, 11)]
    snap = run.snapshot()
    assert snap.step == run.current_step == frames[-1].step == 1
    assert snap.status == "paused"
    assert snap.history["step"] == [1]
    assert snap.history["d_loss"][0] == pytest.approx(frames[-1].numbers["d_loss"], rel=1e-5)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 3)
    with pytest.raises(ValueError, match="Pause the run first"):
        run.slow_motion()
    run.pause()
    # paused for good once the picture of the step it stopped at is drawn (a step in flight ends first)
    assert wait_for(lambda: (lambda s: s.status == "paused" and s.visual_step == s.step)(run.snapshot()))
    held = run.current_step
    frames = run.slow_motion()
    assert frames[-1].step == held + 1 == run.snapshot().step
    assert run.snapshot().history["step"][-1] == held + 1


def test_pause_first_says_so():
    assert "Pause" in PAUSE_FIRST and "slow motion" in PAUSE_FIRST


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
def test_a_trainer(make_trainer, wait_for, dataset):
    check_contract(make_trainer(tiny_cfg(dataset)), wait_for)


def test_a_class_run_in_the_class_host(wait_for):
    from live.classroom.host import ClassHost

    host = ClassHost()
    try:
        run, other = host.add("x", RING8), host.add("other", RING8.replace(train={"seed": 1}))
        other.start()
        check_contract(run, wait_for)
        assert other.snapshot().status == "running"  # the class went on around it
    finally:
        host.stop()


@pytest.mark.slow
@LINUX_ONLY
@pytest.mark.parametrize("dataset", ["ring8", "digits"])
def test_a_run_in_a_process_of_its_own(wait_for, dataset):
    from live.single.remote import RemoteTrainer

    run = RemoteTrainer(tiny_cfg(dataset))
    try:
        check_contract(run, wait_for)
    finally:
        run.close()


@pytest.mark.slow
@LINUX_ONLY
def test_a_run_of_the_class_process(wait_for):
    from live.classroom.member import ClassMember

    run = ClassMember(RING8)
    try:
        check_contract(run, wait_for)
        assert "batched" in run.snapshot().device
    finally:
        run.close()


@pytest.mark.slow
@LINUX_ONLY
def test_a_dead_run_process_gives_no_frames_and_no_crash():
    import os
    import signal

    from live.single.remote import RemoteTrainer, wait_for_exit

    run = RemoteTrainer(tiny_cfg())
    try:
        os.kill(run.pid, signal.SIGKILL)
        assert wait_for_exit(run.pid)
        assert run.slow_motion() == []  # the page says the run did not answer; its snapshot says why
        assert run.snapshot().status == "error"
    finally:
        run.close()


def test_slow_motion_needs_a_training_slot_like_step():
    from gan_core.errors import CapacityError
    from live.serving.sessions import SessionRegistry
    from live.single.trainer import Trainer

    registry = SessionRegistry(max_running=1, trainer_factory=lambda cfg: Trainer(cfg, device="cpu"))
    try:
        for session in ("a", "b"):
            registry.create(session, tiny_cfg())
        registry.start("a")
        with pytest.raises(CapacityError, match="already training"):
            registry.slow_motion("b")  # a loop of slow steps must not train around the cap
        assert registry.get("b").current_step == 0
        registry.get("a").pause()
        assert [f.phase for f in registry.slow_motion("b")] == list(range(1, 11))
        assert registry.get("b").current_step == 1 and registry.running_count() == 0
    finally:
        registry.shutdown()
