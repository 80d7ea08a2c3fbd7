"""The class process (live/classroom/host.py): students' runs of one architecture stepped together, each
behaving for its student as a run alone would: its own steps, pauses, Step jobs, live changes,
reset and close, and no training slot taken from the server."""

from __future__ import annotations

import pytest

from gan_core.evaluation.diagnostics import live_metrics
from gan_core.presets import get_preset
from live.classroom.member import ClassMember, batchable
from live.factory import run_factory
from live.run import LiveSettings
from live.serving.sessions import SessionRegistry
from live.single import remote as worker
from live.snapshot import held

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not worker.processes_available(), reason="the class process is Linux-only")]

CFG = get_preset("ring8", train={"device": "cpu"})




@pytest.fixture
def members():
    made = []

    def make(n: int, **kwargs):
        made.extend(ClassMember(CFG.replace(train={"seed": i}), **kwargs) for i in range(n))
        return made[-n:]

    yield make
    for m in made:
        m.close()


def steps(ms) -> list[int]:
    return [m.snapshot().step for m in ms]


def test_the_default_preset_is_batched_and_others_are_not():
    assert batchable(CFG)
    assert not batchable(get_preset("ring8-wgan-gp")) and not batchable(get_preset("mnist5k"))


def test_each_run_keeps_its_own_commands(members, wait_for):
    a, b, c = members(3, metric_fn=live_metrics)
    for m in (a, b, c):
        m.start()
    assert wait_for(lambda: min(steps([a, b, c])) > 50)
    snap = a.snapshot()
    assert snap.status == "running" and "batched" in snap.device and snap.history["step"]
    assert wait_for(lambda: a.snapshot().field is not None)  # watched: its picture is drawn

    b.pause()
    held = wait_for(lambda: (lambda s: s if s == b.snapshot().step else None)(b.snapshot().step), 10)
    assert wait_for(lambda: a.snapshot().step > held + 50)  # the others go on
    assert b.snapshot().step == held and b.snapshot().status == "paused"

    b.step(10, "d", wait=True)  # a Step job: exactly its steps, then paused
    assert b.snapshot().step == held + 10 and b.snapshot().status == "paused"

    c.set_live(LiveSettings(lr_g=2e-3, d_steps=2))  # a new D:G ratio moves it to another group, with its state
    before = c.snapshot().step
    snap = c.snapshot()
    assert (snap.lr_g, snap.d_steps) == (2e-3, 2)
    assert wait_for(lambda: c.snapshot().step > before + 20)

    a.reset()
    assert a.snapshot().step == 0 and a.snapshot().history["step"] == []
    c.close()
    assert "closed" in c.snapshot().message
    a.start()
    assert wait_for(lambda: a.snapshot().step > 10)  # the class process goes on without c


def test_class_runs_take_no_training_slot(wait_for):
    registry = SessionRegistry(max_running=1, trainer_factory=run_factory())
    try:
        runs = [registry.create(f"s{i}", CFG.replace(train={"seed": i})) for i in range(3)]
        assert all(isinstance(r, ClassMember) for r in runs)
        for i in range(3):
            registry.start(f"s{i}")  # no CapacityError: the class's batched step is shared
        assert wait_for(lambda: min(steps(runs)) > 20)
        solo = registry.create("solo", get_preset("ring8-wgan-gp", train={"device": "cpu"}))
        assert not isinstance(solo, ClassMember)
        registry.start("solo")  # the one slot for a run alone is still free
        assert registry.running_count() == 1
    finally:
        registry.shutdown()


def test_a_nan_in_one_class_run_pauses_that_run_only(wait_for):
    """In the class host itself (this process): one run's weights made NaN go back to its last good
    copy and pause with a sentence, while the run beside it trains on."""
    from live.classroom.host import ClassHost

    host = ClassHost()
    bad, good = (host.add(name, CFG.replace(train={"seed": i})) for i, name in enumerate(("bad", "good")))
    bad.start()
    good.start()
    assert wait_for(lambda: min(bad.current_step, good.current_step) > 60)
    with host.lock:
        group = host.groups[host._group_of["bad"]]
        group.rows["G"][group.slot("bad")].fill_(float("nan"))
    assert wait_for(lambda: bad.snapshot().status == "paused", 10)
    snap = bad.snapshot()
    assert "NaN" in snap.message and "last good weights" in snap.message
    held = good.current_step
    assert wait_for(lambda: good.current_step > held + 50) and good.snapshot().status == "running"
    assert bad.snapshot().step == snap.step  # paused stays paused
    bad.start()  # Resume: it trains again from its last good weights
    assert wait_for(lambda: bad.snapshot().step > snap.step + 10)
    for run in (bad, good):
        run.close()
    host.stop()


def test_no_class_process_to_be_had_says_so_and_the_run_can_train_alone(monkeypatch):
    """A zygote that does not answer (a machine too loaded to start it in time) is a WorkerError from
    ClassMember, which live.factory answers with a run alone, never an AttributeError from its clean-up."""
    from live.classroom import member
    from live.zygote import NoHelperProcess

    def no_zygote():
        raise NoHelperProcess("the training helper process did not start (no answer)")

    monkeypatch.setattr(member, "class_wire", no_zygote)
    with pytest.raises(worker.WorkerError, match="no answer"):
        ClassMember(get_preset("ring8"))


def test_a_members_snapshot_crosses_the_wire_as_new_rows_only_and_reads_whole(members, wait_for):
    """Each poll brings only the rows the member lacks (live/snapshot.since), yet every snapshot it answers is
    the run's whole: the same history and metrics as the class process's own."""
    (a,) = members(1, metric_fn=live_metrics)
    a.start()
    assert wait_for(lambda: len(a.snapshot().history["step"]) > 20 and a.snapshot().metrics)
    before = a.last_snapshot
    part = a._call("snapshot_since", *held(before))
    assert part.history_from > 0 and len(part.history["step"]) < len(before.history["step"])
    a.pause()
    assert wait_for(lambda: a.snapshot().status == "paused")
    mine, theirs = a.snapshot(), a._call("snapshot")
    assert mine.step == theirs.step
    assert mine.history == theirs.history and mine.metrics == theirs.metrics
    assert (mine.history_from, mine.metrics_from) == (0, 0)
