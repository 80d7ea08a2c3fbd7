"""Every kind of run answers the Run protocol (live/run.py), and a run process serves exactly it."""

import inspect

import pytest

from live.classroom.member import ClassMember
from live.run import RUN_CALLS, Run
from live.run_process import CALLS
from live.single.remote import RemoteTrainer
from live.single.trainer import Trainer

from conftest import tiny_cfg


@pytest.mark.parametrize("kind", [Trainer, RemoteTrainer, ClassMember])
def test_every_kind_of_run_has_the_protocols_members_with_its_signatures(kind):
    for name in RUN_CALLS | {"close"}:
        ours, theirs = getattr(Run, name), getattr(kind, name, None)
        assert theirs is not None, f"{kind.__name__} has no {name}"
        if callable(ours) and not isinstance(ours, property) and name != "close":  # (Trainer.close is stop)
            assert list(inspect.signature(theirs).parameters) == list(inspect.signature(ours).parameters), name


def test_a_trainer_is_a_run_and_the_wire_serves_the_protocol():
    t = Trainer(tiny_cfg(), device="cpu")
    assert isinstance(t, Run)
    assert CALLS == RUN_CALLS and "snapshot" in CALLS and "close" not in CALLS


def test_the_class_processs_run_answers_every_call_a_member_forwards():
    """A ClassMember forwards each Run call to its ClassRun in the class process (run_process._class_call):
    a name the ClassRun lacks would fail only there, at the first Pause or status read."""
    from live.classroom.class_run import ClassRun

    missing = sorted(name for name in RUN_CALLS if not hasattr(ClassRun, name))
    assert missing == []
