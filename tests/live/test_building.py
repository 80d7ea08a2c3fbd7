"""A run built in the background (live.single.building.RunBuild), as its run process holds it, here in this
process with a build that waits on an Event: what it answers while building, what it remembers, and
what a failed build says. (Across a real process: tests/live/test_worker.py, live.single.remote.)"""

import threading

import pytest

from gan_core.errors import DatasetError, StillBuilding, WorkerError
from live.run import LiveSettings
from live.single import building
from live.single.building import BUILDING, RunBuild
from live.single.trainer import Trainer

from conftest import poll_until, tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def gated(monkeypatch):
    """gated(fails=None) -> (RunBuild whose build waits for the Event, the Event); the runs are stopped after."""
    monkeypatch.setattr(building, "WAIT_FOR_BUILD_S", 0.0)  # a call that needs the run says so at once here
    made = []

    def make(fails: Exception | None = None):
        go = threading.Event()

        def build(cfg, device, **kwargs):
            go.wait()
            if fails is not None:
                raise fails
            return Trainer(cfg, device, **kwargs)

        run = RunBuild(build, tiny_cfg(), "cpu")
        made.append(run)
        return run, go

    yield make
    for run in made:
        run.stop()


def test_while_building_it_answers_and_remembers_start_and_live_settings(gated):
    run, go = gated()
    assert run.wait(0.0) == BUILDING
    snap = run.answer("snapshot", (), {})
    assert snap.status == BUILDING and snap.step == 0 and snap.message.startswith("Building your run")
    assert snap.history["step"] == [] and snap.dataset == "ring8" and snap.is_points
    assert run.answer("status", (), {}) == BUILDING and run.answer("current_step", (), {}) == 0
    run.answer("start", (), {})
    assert "starts training by itself" in run.answer("snapshot", (), {}).message
    run.answer("set_live", (LiveSettings(lr_d=1e-3),), {})
    with pytest.raises(ValueError, match="D steps per G step"):  # checked when made, for a run built or not
        LiveSettings(d_steps=99)
    with pytest.raises(StillBuilding, match="still being built"):
        run.answer("step", (5,), {})
    go.set()
    assert poll_until(lambda: run.answer("current_step", (), {}) > 0)  # built, and started by itself
    snap = run.answer("snapshot", (), {})
    assert snap.status == "running" and snap.lr_d == 1e-3


def test_a_pause_takes_a_waiting_start_back_and_says_why(gated):
    run, go = gated()
    run.answer("start", (), {})
    run.answer("pause", ("paused: your turn is over.",), {})
    assert run.answer("snapshot", (), {}).message.endswith("paused: your turn is over.")
    go.set()
    assert poll_until(lambda: run.wait(0.0) == "idle")
    assert run.answer("snapshot", (), {}).status == "idle"


def test_a_failed_build_keeps_its_sentence(gated):
    run, go = gated(fails=DatasetError("no images found in x.zip."))
    go.set()
    with pytest.raises(DatasetError, match="no images found"):  # init's answer: the error itself
        run.wait(5.0)
    snap = run.answer("snapshot", (), {})
    assert (snap.status, snap.message, snap.version) == ("error", "no images found in x.zip.",
                                                         building.BUILD_FAILED_VERSION)
    assert run.answer("status", (), {}) == "error" and run.answer("start", (), {}) is None
    with pytest.raises(WorkerError, match="no images found"):
        run.answer("render", (), {})


def test_what_nobody_raised_on_purpose_is_named():
    assert building.failure_sentence(MemoryError("out of memory")).startswith(
        "this run could not be built (MemoryError: out of memory)")
    assert building.failure_sentence(DatasetError("a sentence.")) == "a sentence."
