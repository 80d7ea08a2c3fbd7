"""Runs in processes of their own (live.single.remote): the same run as a Trainer thread, typed errors
across the wire, a Step that waits without blocking snapshots, a dead process reported (never
raised into the UI), no process left behind, and the networks handed over as a checkpoint."""

import os
import signal
import sys
import threading

import pytest
import torch

from gan_core import frozen
from gan_core.checkpoint import CheckpointError
from gan_core.config import RunConfig
from gan_core.errors import DatasetError, StillBuilding
from live import zygote as zygote_mod
from live.run import LiveSettings
from live.serving.sessions import SessionRegistry
from live.single import remote as worker
from live.single.trainer import Trainer
from tests.gated_build import FAIL, FAILURE, Gate

from conftest import tiny_cfg

pytestmark = [pytest.mark.usefixtures("one_thread"), pytest.mark.slow,  # (forks run processes)
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="run processes are Linux-only")]


@pytest.fixture
def remote(monkeypatch):
    """RemoteTrainer factory; every run it made is closed, and its process must be gone."""
    monkeypatch.setenv("GAN_CLASSROOM_THREADS", "1")  # the run process's torch threads, as in the local Trainer
    made = []

    def make(cfg=None, **kwargs):
        r = worker.RemoteTrainer(cfg or tiny_cfg(), device="cpu", **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
        assert worker.wait_for_exit(r.pid), f"run process {r.pid} outlived close()"


def test_a_run_process_trains_exactly_what_a_trainer_thread_trains(remote, make_trainer):
    local = make_trainer()
    far = remote()
    assert far.pid != os.getpid()
    local.step(40, wait=True)
    far.step(40, wait=True)
    a, b = local.snapshot(), far.snapshot()
    assert b.step == 40 and b.status == "paused"
    assert b.history == a.history  # same seed, same ops, one thread each: the same numbers
    assert b.field is not None and (b.field["fake"] == a.field["fake"]).all()
    assert far.current_step == 40 and far.status == "paused" and far.alive


def test_errors_come_back_with_their_type_and_message(remote, tmp_path, wait_for):
    far = remote()
    with pytest.raises(ValueError, match="learning rates"):
        far.set_live(LiveSettings(lr_g=5.0))
    with pytest.raises(ValueError, match="step needs"):
        far.step(0)
    empty = tmp_path / "no_images"
    empty.mkdir()
    cfg = RunConfig.from_dict({"data": {"name": "folder", "path": str(empty), "image_size": 32},
                               "model": {"arch": "dcgan", "nz": 8, "ngf": 8, "ndf": 8}, "train": {"device": "cpu"}})
    before = _run_family()
    with pytest.raises(DatasetError):
        worker.RemoteTrainer(cfg, device="cpu")
    assert wait_for(lambda: _run_family() <= before), "a run that failed to build left its process behind"


def _run_family() -> set[int]:
    """The zygote and its run processes (they share its command line)."""
    out = set()
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and b"zygote_main" in open(f"/proc/{p}/cmdline", "rb").read():
                out.add(int(p))
        except OSError:
            pass
    return out


def test_a_waiting_step_does_not_block_snapshots_from_other_threads(remote, wait_for):
    far = remote()
    done = threading.Event()
    threading.Thread(target=lambda: (far.step(3000, wait=True), done.set()), daemon=True).start()
    assert wait_for(lambda: far.snapshot().step > 0)  # the Step job is under way
    snap = far.snapshot()
    assert not done.is_set(), "the snapshot waited for the Step job"  # answered while the job trains
    assert 0 < snap.step < 3000
    assert done.wait(120) and far.current_step == 3000


def test_many_calling_threads_share_a_few_connections(remote):
    """One connection per calling thread grew the run process by a thread per server thread (18-75 of
    them after a few minutes in a class); the pool keeps it at MAX_CONNECTIONS serving threads."""
    far = remote()
    far.start()
    threads = [threading.Thread(target=lambda: [far.snapshot() for _ in range(5)]) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    far.pause()
    tasks = len(os.listdir(f"/proc/{far.pid}/task"))
    # main + trainer + <= MAX_CONNECTIONS servers (+ torch's and OpenBLAS's own, at one thread each here)
    assert tasks <= 2 + worker.MAX_CONNECTIONS + 2, tasks
    assert far._wire._open <= worker.MAX_CONNECTIONS


def test_a_killed_run_process_is_reported_not_raised(remote):
    far = remote()
    far.step(10, wait=True)
    os.kill(far.pid, signal.SIGKILL)
    assert worker.wait_for_exit(far.pid)
    before = far._last.version
    snap = far.snapshot()  # the last one the process sent (at its start: none was read since), marked
    assert snap.status == "error" and "stopped unexpectedly" in snap.message
    assert snap.version != before and far.snapshot().version == snap.version  # the page redraws once
    far.start()  # commands do nothing now, and say nothing
    far.pause()
    assert far.status == "error" and not far.alive
    with pytest.raises(CheckpointError, match="cannot be read"):  # the Latent and Diagnostics tabs show this
        frozen.from_trainer(far)


def test_close_ends_the_process_and_the_registry_closes_runs(monkeypatch, wait_for):
    monkeypatch.setenv("GAN_CLASSROOM_THREADS", "1")
    reg = SessionRegistry(trainer_factory=lambda cfg: worker.RemoteTrainer(cfg, device="cpu"))
    try:
        run = reg.create("a", tiny_cfg())
        reg.start("a")
        assert wait_for(lambda: run.current_step > 0)
        replaced = run
        run = reg.create("a", tiny_cfg())  # a new run for the same tab: the old process ends
        assert worker.wait_for_exit(replaced.pid)
        reg.close("a")
        assert worker.wait_for_exit(run.pid)
    finally:
        reg.shutdown()


def test_the_live_networks_arrive_as_the_same_generator(remote, make_trainer):
    local = make_trainer()
    far = remote()
    local.step(30, wait=True)
    far.step(30, wait=True)
    a, b = frozen.from_trainer(local), frozen.from_trainer(far)
    assert b.step == a.step == 30 and b.meta["live"] and b.cfg == a.cfg
    z = a.sample_z(64, seed=3)
    assert torch.equal(a.generate(z), b.generate(z))
    assert torch.equal(a.D(a.generate(z)), b.D(b.generate(z)))


def test_render_draws_step_0_in_the_run_process(remote, make_trainer):
    local, far = make_trainer(), remote()
    a, b = local.render(), far.render()
    assert a["samples"] is None and b["samples"] is None
    assert (a["field"]["heat"] == b["field"]["heat"]).all()


def test_the_factory_follows_the_environment(monkeypatch):
    monkeypatch.setenv(worker.MODE_ENV, "thread")
    assert worker.trainer_factory() is Trainer
    monkeypatch.setenv(worker.MODE_ENV, "process")
    assert worker.trainer_factory() is not Trainer


def test_a_zygote_with_threads_refuses_to_fork(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")  # numpy's OpenBLAS then starts its threads at import
    with pytest.raises(worker.WorkerError, match="threads"):
        zygote_mod.Zygote()


# -- builds: in the run process, in the background (live.single.building) ------------------------------------

@pytest.fixture
def gate(monkeypatch, tmp_path):
    """Every run process's build waits at this gate until the test releases it (tests/gated_build.py)."""
    g = Gate(tmp_path)
    monkeypatch.setattr(worker.RemoteTrainer, "builds", g.builds())
    return g


def test_a_slow_build_answers_at_once_and_a_start_pressed_meanwhile_trains_when_built(remote, gate, wait_for):
    far = remote()  # returned while its build waits at the gate, i.e. before the run exists
    snap = far.snapshot()
    assert snap.status == "building" and snap.message.startswith("Building your run") and snap.step == 0
    assert far.status == "building" and far.last_status == "building" and not far.alive
    far.start()  # remembered: the student presses Start once
    snap = far.snapshot()
    assert snap.status == "building" and "starts training by itself" in snap.message
    assert far.last_status == "running"  # it holds a training slot: it trains the moment it is built
    far.set_live(LiveSettings(lr_d=1e-3))  # remembered too
    with pytest.raises(ValueError, match="learning rates"):  # and checked now, as a built run checks it
        far.set_live(LiveSettings(lr_g=5.0))
    with pytest.raises(StillBuilding, match="still being built"):  # waits WAIT_FOR_BUILD_S, then says so
        far.step(1)
    with pytest.raises(StillBuilding):
        far.render()
    gate.release()
    assert wait_for(lambda: far.snapshot().step > 0)
    snap = far.snapshot()
    assert snap.status == "running" and snap.lr_d == 1e-3 and far.alive


def test_a_paused_build_does_not_start_when_built(remote, gate, wait_for):
    far = remote()
    far.start()
    far.pause()  # changed their mind: Pause takes the waiting Start back
    gate.release()
    assert wait_for(lambda: far.snapshot().status == "idle")
    far.step(5)
    assert far.snapshot().step == 5


def test_a_build_that_fails_late_shows_its_sentence_and_ends_its_process(remote, gate, wait_for):
    far = remote()
    assert far.snapshot().status == "building"
    gate.release(FAIL)
    snap = wait_for(lambda: (s := far.snapshot()).status == "error" and s)
    assert snap.message == FAILURE  # the sentence a Start that failed at once shows
    assert worker.wait_for_exit(far.pid)  # nothing left to do in it
    assert far.snapshot().message == FAILURE and far.status == "error"
    far.start()  # commands do nothing, and say nothing
    with pytest.raises(worker.WorkerError, match="no images found"):
        far.render()


def test_a_build_that_runs_past_its_limit_is_ended(remote, gate, monkeypatch):
    far = remote()
    assert far.snapshot().status == "building"
    monkeypatch.setattr(worker, "BUILD_TIMEOUT_S", 0.0)  # (1,800 s in the app): the next poll is past it
    snap = far.snapshot()
    assert snap.status == "error" and snap.message == worker.BUILD_TOO_LONG
    assert worker.wait_for_exit(far.pid)


class InServer(Trainer):
    """The web server's own Trainer, counted: a run built in the server process."""
    made = 0

    def __init__(self, *args, **kwargs):
        InServer.made += 1
        super().__init__(*args, **kwargs)


def trainer_threads() -> int:
    return sum(t.name == "gan-trainer" for t in threading.enumerate())


def test_a_run_process_killed_while_building_is_reported_never_built_in_the_server(monkeypatch, gate, wait_for):
    monkeypatch.setenv("GAN_CLASSROOM_THREADS", "1")
    monkeypatch.setattr(worker, "Trainer", InServer)  # what the factory would fall back to
    monkeypatch.setattr(InServer, "made", 0)
    factory, threads = worker.trainer_factory(), trainer_threads()
    far = factory(tiny_cfg(), device="cpu")
    try:
        assert far.snapshot().status == "building"
        far.start()
        os.kill(far.pid, signal.SIGKILL)  # as the kernel's OOM killer would
        assert worker.wait_for_exit(far.pid)
        snap = wait_for(lambda: (s := far.snapshot()).status == "error" and s)
        assert snap.message == worker.DIED_BUILDING and far.last_status == "error"
        assert far.snapshot().version == snap.version  # marked once: the page redraws once
        again = factory(tiny_cfg(), device="cpu")  # Start or Reset: a new run, in a new process
        assert isinstance(again, worker.RemoteTrainer) and again.pid != far.pid
        assert again.snapshot().status == "building"
        again.close()
    finally:
        far.close()
    assert InServer.made == 0 and trainer_threads() == threads


def test_only_a_server_without_any_helper_process_trains_in_a_thread(monkeypatch):
    monkeypatch.setattr(worker, "Trainer", InServer)
    monkeypatch.setattr(InServer, "made", 0)
    factory = worker.trainer_factory()

    def cannot_fork(self):
        raise worker.WorkerError("a run process could not start (Cannot allocate memory)")

    monkeypatch.setattr(zygote_mod.Zygote, "fork", cannot_fork)
    with pytest.raises(worker.WorkerError, match="could not start"):  # the page says so; nothing built here
        factory(tiny_cfg(), device="cpu")
    assert InServer.made == 0
    monkeypatch.setattr(zygote_mod, "_ZYGOTE", None)  # a server whose zygote never started
    monkeypatch.setattr(zygote_mod, "_ZYGOTE_FAILED", "the training helper process did not start (no answer)")
    run = factory(tiny_cfg(), device="cpu")
    assert isinstance(run, InServer) and InServer.made == 1
    run.close()


def test_a_run_process_lets_a_caller_that_hung_up_go_quietly():
    """A caller whose read timed out (a busy machine) closes its end: the serving thread ends, it does not
    die with a BrokenPipeError traceback in the server's log (the 45-minute class logged 8 of them)."""
    from live.run_process import _serve

    class HungUp:
        calls = 0

        def recv(self):
            self.calls += 1
            if self.calls > 1:
                raise AssertionError("it read again after its caller had gone")
            return ("status", (), {})

        def send(self, reply):
            raise BrokenPipeError(32, "Broken pipe")

    _serve(HungUp(), {"trainer": None})
