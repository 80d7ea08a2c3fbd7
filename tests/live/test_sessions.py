"""Per-session runs: the cap on concurrent training, closing stops the thread, idle runs are reaped."""

import threading
import time

import pytest

from gan_core.config import RunConfig
from live.serving.sessions import CapacityError, SessionRegistry
from live.single.trainer import Trainer

from conftest import poll_until

CFG = RunConfig.from_dict({"data": {"name": "ring8", "n_points": 500}, "model": {"hidden": 8, "depth": 1},
                           "train": {"batch_size": 16, "device": "cpu"}})


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def registry():
    made = []

    def make(**kwargs):
        r = SessionRegistry(trainer_factory=lambda cfg: Trainer(cfg, device="cpu"), **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        runs = list(r._runs.values())
        r.shutdown()
        assert all(not t.alive for t in runs)
        r._reaper.join(5)
        assert not r._reaper.is_alive()


def test_create_get_and_replace(registry):
    reg = registry()
    assert reg.get("a") is None
    first = reg.create("a", CFG)
    assert reg.get("a") is first and len(reg) == 1
    reg.start("a")
    second = reg.create("a", CFG)  # a new run replaces (and stops) the old one
    assert reg.get("a") is second and len(reg) == 1
    assert not first.alive and second.status == "idle"


def test_cap_on_concurrent_training(registry):
    reg = registry(max_running=1, reap_every_s=3600)  # (no scheduler thread: the queue is tested below)
    for s in ("a", "b"):
        reg.create(s, CFG)
    reg.start("a")
    reg.start("a")  # starting your own running run again is fine
    with pytest.raises(CapacityError, match=r"Queued: all 1 training slots .* number 1 of 1 in the queue"):
        reg.start("b")
    with pytest.raises(CapacityError, match="already training"):  # Step trains too: it takes a slot
        reg.step("b", 100)
    assert reg.get("b").status == "idle" and reg.running_count() == 1 and reg.get("b").snapshot().step == 0
    reg.step("a", 3)  # the slot holder may Step (it pauses its run)
    assert reg.get("a").snapshot().step >= 3 and reg.get("a").status == "paused"
    reg.step("b", 3)  # now the slot is free
    assert reg.get("b").snapshot().step == 3 and reg.running_count() == 0
    with pytest.raises(CapacityError, match="number 2 of 2"):  # b has waited longer: a queues behind it
        reg.start("a")
    reg.start("b")
    assert reg.running_count() == 1 and reg.get("b").status == "running" and reg.queue_note("a")
    with pytest.raises(KeyError):
        reg.start("nobody")


def test_simultaneous_starts_cannot_pass_the_cap(registry):
    """A classroom presses Start at once: the cap holds even when starts race each other."""
    class SlowToStart(Trainer):  # widens the window between the cap check and the status change
        def start(self):
            time.sleep(0.05)
            super().start()

    reg = registry(max_running=2)
    reg._factory = lambda cfg: SlowToStart(cfg, device="cpu")
    sessions = [f"s{i}" for i in range(5)]
    for s in sessions:
        reg.create(s, CFG)
    barrier = threading.Barrier(len(sessions))
    refused = []

    def press_start(s):
        barrier.wait()
        try:
            reg.start(s)
        except CapacityError:
            refused.append(s)

    threads = [threading.Thread(target=press_start, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert reg.running_count() == 2 and len(refused) == 3


def test_close_stops_the_thread(registry):
    reg = registry()
    run = reg.create("a", CFG)
    reg.start("a")
    thread = run._thread
    assert thread.is_alive()
    reg.close("a")
    assert not thread.is_alive() and not run.alive
    assert reg.get("a") is None and len(reg) == 0
    reg.close("a")  # closing twice (tab-close event after a reap) is harmless


def test_reap_idle_closes_only_idle_runs(registry):
    clock = Clock()
    reg = registry(idle_timeout_s=300, clock=clock, reap_every_s=3600)  # (the test moves the clock)
    idle, active = reg.create("idle", CFG), reg.create("active", CFG)
    reg.start("idle")
    clock.now += 200
    reg.get("active")  # the active tab polls
    clock.now += 200
    assert reg.reap_idle() == ["idle"]
    assert not idle.alive and reg.get("idle") is None
    assert reg.get("active") is active
    assert sorted(reg.reap_idle(now=clock.now + 301)) == ["active"]
    assert len(reg) == 0


def test_the_reaper_thread_reaps_by_itself(registry):
    reg = registry(idle_timeout_s=0.1, reap_every_s=0.05)
    run = reg.create("a", CFG)
    reg.start("a")
    assert poll_until(lambda: not (len(reg) or run.alive), timeout_s=5)  # forgotten first, then stopped


def test_shutdown_stops_everything(registry):
    reg = registry()
    runs = [reg.create(s, CFG) for s in ("a", "b")]
    for s in ("a", "b"):
        reg.start(s)
    reg.shutdown()
    assert len(reg) == 0 and all(not r.alive for r in runs)
    reg._reaper.join(2)
    assert not reg._reaper.is_alive()
    assert not [t for t in threading.enumerate() if t.name == "gan-trainer" and t in {r._thread for r in runs}]


def test_default_cap_from_environment(monkeypatch):
    from live.serving.sessions import default_max_running

    monkeypatch.setenv("GAN_CLASSROOM_MAX_RUNS", "5")
    assert default_max_running() == 5
    monkeypatch.setenv("GAN_CLASSROOM_MAX_RUNS", "lots")
    assert default_max_running() >= 1


class Clock:
    """A clock the test moves by hand (the registry takes it instead of time.monotonic)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_over_the_cap_a_start_queues_and_starts_by_itself_in_order(registry):
    from live.serving.sessions import Queued

    clock = Clock()
    reg = registry(max_running=1, turn_s=180.0, clock=clock, reap_every_s=3600)
    for s in ("a", "b", "c"):
        reg.create(s, CFG)
    reg.start("a")
    with pytest.raises(Queued, match=r"number 1 of 1 in the queue \(about 3 min\)"):
        reg.start("b")
    clock.now += 60
    with pytest.raises(Queued, match=r"number 2 of 2 in the queue \(about 5 min\)"):  # 2 min left, then a turn
        reg.start("c")
    assert "number 1 of 2" in reg.queue_note("b") and reg.queue_note("a") is None
    with pytest.raises(Queued, match="number 1 of 2"):  # pressing Start again keeps the place
        reg.start("b")
    assert reg.schedule() == [] and reg.get("b").status == "idle"  # a's turn is not over
    clock.now += 120  # a's 3 minutes are up and others wait: a is paused, b starts
    assert reg.schedule() == ["b"]
    assert reg.get("a").status == "paused" and "your turn of 3 min is over" in reg.get("a").snapshot().message
    assert reg.get("b").status == "running" and reg.queue_note("b") is None and "number 1 of 1" in reg.queue_note("c")
    reg.close("b")  # leaving frees the slot at once for the next
    assert reg.schedule() == ["c"] and reg.get("c").status == "running"


def test_no_turns_while_nobody_waits(registry):
    clock = Clock()
    reg = registry(max_running=1, turn_s=10.0, clock=clock, reap_every_s=3600)
    reg.create("a", CFG)
    reg.start("a")
    clock.now += 1000
    assert reg.schedule() == [] and reg.get("a").status == "running"


def test_wait_estimates():
    from live.serving.training_queue import wait_estimate_s

    assert wait_estimate_s(1, [100.0, 30.0], 180.0) == 30.0  # the first slot to free
    assert wait_estimate_s(2, [100.0, 30.0], 180.0) == 100.0
    assert wait_estimate_s(3, [100.0, 30.0], 180.0) == 210.0  # then a whole turn more
    assert wait_estimate_s(1, [-5.0], 180.0) == 0.0


class ClassLike:
    """A stand-in for a run of the class process as the registry sees it (no slot, shares a step)."""

    shares_a_step = True

    def __init__(self, cfg, gate: threading.Event | None = None):
        self.cfg, self.last_status, self.paused_for, self.gate = cfg, "idle", None, gate

    def start(self):
        self.last_status = "running"

    def pause(self, reason=""):
        self.last_status, self.paused_for = "paused", reason

    def slow_motion(self):
        if self.gate is not None:
            self.gate.wait(30)
        return ["frames"]

    def close(self):
        self.last_status = "closed"


def test_an_unwatched_class_run_is_paused_even_with_slots_free(registry):
    """Two one-shot Starts whose tabs left at once must not train for the class's time until the idle reap."""
    clock = Clock()
    reg = SessionRegistry(trainer_factory=ClassLike, clock=clock, reap_every_s=3600, unwatched_pause_s=90,
                          max_running=4)
    try:
        left, watched = reg.create("left", CFG), reg.create("watched", CFG)
        reg.start("left"), reg.start("watched")
        clock.now += 60
        reg.get("watched")  # its tab polls
        clock.now += 60
        reg.reap_idle()
        assert left.last_status == "paused" and "nobody watched" in left.paused_for
        assert watched.last_status == "running"
    finally:
        reg.shutdown()


def test_runs_alone_have_a_cap_of_their_own_and_class_runs_do_not_count(registry):
    clock = Clock()
    reg = SessionRegistry(trainer_factory=lambda cfg: ClassLike(cfg) if cfg.train.seed == 0 else Trainer(cfg, "cpu"),
                          joins_class=lambda cfg: cfg.train.seed == 0, max_alone=2, max_runs=10,
                          max_runs_per_client=10, clock=clock, reap_every_s=3600)
    try:
        for i in range(5):
            reg.create(f"class{i}", CFG)  # seed 0: runs of the class
        alone = CFG.replace(train={"seed": 1})
        reg.create("a1", alone), reg.create("a2", alone)
        with pytest.raises(CapacityError, match="alone, each in a process of its own"):
            reg.create("a3", alone)
        reg.create("class5", CFG)  # the class still admits
    finally:
        reg.shutdown()


def test_a_hall_behind_one_address_is_admitted():
    """150 runs a client address by default: a lecture hall of 100 behind one NAT is not refused."""
    reg = SessionRegistry(trainer_factory=ClassLike, reap_every_s=3600)
    try:
        for i in range(100):
            reg.create(f"s{i}", CFG, client="10.0.0.1")
        assert len(reg) == 100
    finally:
        reg.shutdown()


def test_slow_steps_of_class_runs_have_a_bounded_number_of_places():
    gate = threading.Event()
    reg = SessionRegistry(trainer_factory=lambda cfg: ClassLike(cfg, gate), max_slow=2, reap_every_s=3600)
    try:
        for s in ("a", "b", "c"):
            reg.create(s, CFG)
        threads = [threading.Thread(target=reg.slow_motion, args=(s,)) for s in ("a", "b")]
        for t in threads:
            t.start()
        assert poll_until(lambda: len(reg._slow) == 2)
        with pytest.raises(CapacityError, match="slow steps are being computed"):
            reg.slow_motion("c")
        gate.set()
        for t in threads:
            t.join(10)
        assert reg.slow_motion("c") == ["frames"]
    finally:
        gate.set()
        reg.shutdown()


TOKEN = "0123456789abcdef0123456789abcdef"


def test_a_browsers_run_moves_to_its_reloaded_page_and_waits_for_it(registry):
    """A reload: the old page unloads (leave), the new one loads with the same browser token (claim)."""
    clock = Clock()
    reg = registry(clock=clock, reap_every_s=3600, reconnect_s=60)
    assert reg.claim("page1", TOKEN) is None  # a first visit: nothing to take over; runs it makes are its own
    run = reg.create("page1", CFG, made_from="ring8")
    reg.start("page1")
    assert reg.leave("page1")  # owned: left waiting for its browser, not closed
    clock.now += 30
    assert reg.reap_idle() == [] and run.alive
    assert reg.claim("page2", TOKEN) == "page1"
    assert reg.get("page2") is run and reg.get("page1") is None and reg.made_from("page2") == "ring8"
    clock.now += 3600 - 1
    reg.get("page2")
    assert reg.reap_idle() == [] and run.alive  # claimed: no longer waiting to be reaped


def test_a_browser_that_never_comes_back_loses_its_run_after_the_grace(registry):
    clock = Clock()
    reg = registry(clock=clock, reap_every_s=3600, reconnect_s=60)
    reg.claim("page", TOKEN)
    run = reg.create("page", CFG)
    assert reg.leave("page")
    clock.now += 61
    assert reg.reap_idle() == ["page"] and not run.alive


def test_runs_without_a_token_close_with_their_tab_and_bad_tokens_claim_nothing(registry):
    reg = registry(reap_every_s=3600)
    run = reg.create("api-client", CFG)  # (an API client sends no token)
    assert not reg.leave("api-client") and not run.alive and reg.get("api-client") is None
    reg.claim("p1", TOKEN)
    reg.create("p1", CFG)
    for bad in (None, 5, "", TOKEN.upper(), TOKEN[:-1], TOKEN + "0", "../" + TOKEN[3:], "x" * 10_000):
        assert reg.claim("p2", bad) is None
    assert reg.get("p2") is None and reg.get("p1") is not None
    assert reg.claim("p3", "f" * 32) is None  # another browser's token owns nothing here


def test_remembered_page_tokens_are_bounded(registry, monkeypatch):
    from live.serving import sessions

    monkeypatch.setattr(sessions, "MAX_PAGE_TOKENS", 50)
    reg = registry(reap_every_s=3600)
    for i in range(500):
        reg.claim(f"page{i}", f"{i:032x}")
    assert len(reg._page_token) == 50
