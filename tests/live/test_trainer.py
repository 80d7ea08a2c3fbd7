"""The Trainer: its thread's lifecycle, exact stepping, live changes, NaN recovery, snapshots, alerts."""

import math
import threading

import pytest
import torch

from gan_core import losses
from gan_core.gan import build_gan
from gan_core.train import train_step
from live.run import LiveSettings
from live.single import trainer as trainer_mod
from live.single.alerts import GRAD_ON_READINGS
from live.single.history import SERIES, History
from live.snapshot import Snapshot
from ui.train.view import history_csv

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")


def weights(net):
    return [p.detach().clone() for p in net.parameters()]


# --- lifecycle --------------------------------------------------------------------------------

def test_start_pause_resume_stop(make_trainer, wait_for):
    t = make_trainer()
    assert t.snapshot().status == "idle" and not t.alive
    t.start()
    thread = t._thread
    assert wait_for(lambda: t.snapshot().step > 20)
    assert t.snapshot().status == "running"
    t.pause()
    # paused for good once the chunk in flight has ended and its picture is drawn
    assert wait_for(lambda: (lambda s: s.status == "paused" and s.visual_step == s.step)(t.snapshot()))
    paused_at = t.snapshot().step
    t.step(3)  # exactly 3 more: nothing else trains while paused
    assert t.snapshot().step == paused_at + 3 and t.snapshot().status == "paused"
    paused_at += 3
    t.resume()
    assert wait_for(lambda: t.snapshot().step > paused_at)
    t.stop()
    assert not t.alive and not thread.is_alive() and thread not in threading.enumerate()
    assert t.snapshot().status == "stopped"
    stopped_at = t.snapshot().step  # (no thread is left to train: the step stays)
    t.step(3)  # a stopped run can still be stepped: the thread comes back for it
    assert t.snapshot().step == stopped_at + 3


def test_step_grows_by_exactly_n(make_trainer):
    t = make_trainer()
    for n, mode in [(7, "d"), (3, "g"), (12, "both"), (1, "both")]:
        before = t.snapshot().step
        t.step(n, mode)
        assert t.snapshot().step == before + n
        assert t.snapshot().status == "paused"
    assert t.snapshot().history["step"][-1] == 23  # every step was read back at the end of its job
    with pytest.raises(ValueError):
        t.step(0)
    with pytest.raises(ValueError):
        t.step(2, "x")


def test_step_while_running_pauses_afterwards(make_trainer, wait_for):
    t = make_trainer()
    t.start()
    assert wait_for(lambda: t.snapshot().step > 0)
    t.step(5)
    after = t.snapshot().step
    assert t.snapshot().status == "paused"
    t.step(2)  # exactly 2 more: the run did not go on training after the Step
    assert t.snapshot().step == after + 2 and t.snapshot().status == "paused"


def test_step_mode_d_leaves_g_alone(make_trainer):
    t = make_trainer()
    g = weights(t.gan.G)
    t.step(5, "d")
    assert all(torch.equal(a, b) for a, b in zip(g, t.gan.G.parameters()))


def test_same_results_as_calling_train_step_directly(make_trainer):
    """The thread adds nothing random: 15 Trainer steps = 15 train_step calls on the same config."""
    cfg = tiny_cfg()
    t = make_trainer(cfg)
    t.step(15)
    gan = build_gan(cfg, "cpu")
    for _ in range(15):
        train_step(gan)
    assert all(torch.equal(a, b) for a, b in zip(gan.G.parameters(), t.gan.G.parameters()))


def test_reset_rebuilds_from_the_seed(make_trainer):
    t = make_trainer()
    initial = weights(t.gan.G)
    t.step(10)
    t.reset()
    s = t.snapshot()
    assert s.step == 0 and s.history["step"] == [] and s.status == "idle"
    assert all(torch.equal(a, b) for a, b in zip(initial, t.gan.G.parameters()))


def test_a_crash_is_reported_not_raised(make_trainer, monkeypatch, wait_for):
    t = make_trainer()

    def boom(gan, mode="both"):
        raise RuntimeError("boom")

    monkeypatch.setattr(trainer_mod, "train_step", boom)
    t.step(3, timeout=10)  # returns: the job is released even though the thread died
    s = t.snapshot()
    assert s.status == "error" and "boom" in s.message
    assert wait_for(lambda: not t.alive)
    t.start()  # refused quietly while in error
    assert t.snapshot().status == "error"


# --- NaN / Inf ---------------------------------------------------------------------------------

def poison_g_loss(monkeypatch, after_calls: int, batch: int = 16):
    """Make G's loss NaN (with NaN gradients) after `after_calls` training calls (the field view's calls,
    on 512 fixed points, are not counted)."""
    real_g_loss, calls = losses.g_loss, [0]

    def g_loss(objective, fake):
        loss = real_g_loss(objective, fake)
        if fake.shape[0] == batch:
            calls[0] += 1
            if calls[0] > after_calls:
                return loss * math.nan
        return loss

    monkeypatch.setattr(losses, "g_loss", g_loss)


@pytest.mark.parametrize("ema,good_every,poison_after,good_step", [(0.0, 10, 12, 10), (0.9, 10, 12, 10),
                                                                   (0.0, trainer_mod.GOOD_EVERY, 62, 50)])
def test_nan_pauses_and_restores_the_last_good_state(make_trainer, monkeypatch, ema, good_every, poison_after,
                                                     good_step):
    cfg = tiny_cfg(train={"ema": ema})
    reference = build_gan(cfg, "cpu")
    for _ in range(good_step):
        train_step(reference)
    monkeypatch.setattr(trainer_mod, "GOOD_EVERY", good_every)  # a copy of the state every good_every steps
    t = make_trainer(cfg)
    poison_g_loss(monkeypatch, after_calls=poison_after)  # steps 13.. go NaN; the read-back at step 15 sees it
    t.step(good_step + 20)
    s = t.snapshot()
    assert s.status == "paused"
    assert "NaN" in s.message and "g_loss" in s.message and f"from step {good_step}" in s.message
    assert s.step == good_step  # the last copy, taken at a read-back
    assert s.history["step"][-1] == good_step  # the curves go on from there
    assert all(math.isfinite(v) for v in s.history["g_loss"])
    for net in ("G", "D", "G_eval"):
        for good, restored in zip(getattr(reference, net).parameters(), getattr(t.gan, net).parameters()):
            assert torch.equal(good, restored), net
    monkeypatch.undo()
    t.step(5)  # training can go on from the restored state
    assert t.snapshot().step == good_step + 5


def test_nan_from_a_real_blow_up(make_trainer):
    """SGD with lr = 1 and a huge init on an MLP: the losses overflow without any patching."""
    t = make_trainer(tiny_cfg(loss={"objective": "wgan-gp"}, train={"optimizer": "sgd", "lr_g": 1.0, "lr_d": 1.0},
                              model={"init": "kaiming", "hidden": 64, "depth": 5}))
    with torch.no_grad():
        for p in t.gan.D.parameters():
            p.mul_(30)
    t.step(60)
    s = t.snapshot()
    assert "NaN/Inf" in s.message and s.status == "paused"
    assert all(torch.isfinite(p).all() for p in t.gan.G.parameters())
    assert all(torch.isfinite(p).all() for p in t.gan.D.parameters())


# --- live changes ------------------------------------------------------------------------------

def test_set_live_while_paused_applies_at_once(make_trainer):
    t = make_trainer()
    t.set_live(LiveSettings(lr_g=1e-3, lr_d=5e-4, d_steps=3))
    s = t.snapshot()
    assert (s.lr_g, s.lr_d, s.d_steps) == (1e-3, 5e-4, 3)
    t.step(1)
    assert t.gan.opt_d.state_dict()["state"][0]["step"].item() == 3  # three D updates in that one step
    assert t.gan.current_config().train.lr_g == 1e-3


def test_set_live_while_running(make_trainer, wait_for):
    t = make_trainer()
    t.start()
    assert wait_for(lambda: t.snapshot().step > 0)
    t.set_live(LiveSettings(lr_d=7e-4, d_steps=2))
    assert wait_for(lambda: t.snapshot().lr_d == 7e-4 and t.snapshot().d_steps == 2)
    assert t.gan.opt_d.param_groups[0]["lr"] == 7e-4


@pytest.mark.parametrize("kwargs", [{"d_steps": 0}, {"d_steps": 11}, {"lr_g": 0.0}, {"lr_d": 2.0}])
def test_set_live_rejects_bad_values(make_trainer, kwargs):
    t = make_trainer()
    with pytest.raises(ValueError):
        t.set_live(LiveSettings(**kwargs))
    assert t.snapshot().d_steps == 1 and t.snapshot().lr_g == t.cfg.train.lr_g


# --- snapshots and history ---------------------------------------------------------------------

def test_snapshot_for_points(make_trainer):
    t = make_trainer()
    t.step(10)
    s = t.snapshot()
    assert isinstance(s, Snapshot)
    assert set(s.history) == {"step", *SERIES} and s.history["step"] == [5, 10]
    assert s.samples is None and s.is_points and s.dataset == "ring8" and s.d_output == "probability"
    assert s.visual_step == 10  # a Step job ends with a picture of its last step
    f = s.field
    assert f["fake"].shape == (512, 2) and f["heat"].shape == (30, 30) and f["manifold"].shape == (20, 20, 2)
    assert f["arrows"].shape == (512, 2) and f["centers"].shape == (8, 2)
    assert s.device.startswith("cpu")
    v = s.version
    t.step(5)
    assert t.snapshot().version > v


def test_snapshot_for_images(make_trainer):
    t = make_trainer(tiny_cfg("digits", loss={"objective": "wgan-gp"}, model={"conditional": True}))
    t.step(2)
    s = t.snapshot()
    assert s.field is None and not s.is_points and s.d_output == "score"
    grid = s.samples
    assert grid.dtype.name == "uint8" and grid.ndim == 3 and grid.shape[2] == 3
    assert grid.shape[1] >= 8 * 10 * 2  # 8x8 digits are blown up (integer factor) to be visible


def test_snapshot_is_a_copy(make_trainer):
    t = make_trainer()
    t.step(5)
    s = t.snapshot()
    s.history["step"].append(999)
    s.alerts.append("x")
    assert t.snapshot().history["step"] == [5] and t.snapshot().alerts == []


def test_history_csv(make_trainer):
    t = make_trainer()
    t.step(15)
    lines = history_csv(t.snapshot()).splitlines()
    assert lines[0] == "step," + ",".join(SERIES)
    assert [line.split(",")[0] for line in lines[1:]] == ["5", "10", "15"]
    assert all(float(x) == float(x) for x in lines[1].split(","))


def test_history_downsampling_keeps_at_most_twice_max_points():
    h = History(("a",), max_points=50)
    for step in range(1, 10_001):
        h.append(step, {"a": float(step)})
        assert len(h) < 100
    steps = h.as_dict()["step"]
    assert len(steps) >= 50 and steps[0] == 1
    gaps = {b - a for a, b in zip(steps, steps[1:])}
    assert len(gaps) == 1  # evenly spread over the run
    assert steps[-1] > 10_000 - 2 * gaps.pop()  # and reaching its end
    assert h.as_dict()["a"] == [float(s) for s in steps]


def test_trainer_history_is_downsampled(make_trainer):
    t = make_trainer(tiny_cfg(train={"log_every": 1}))
    t.out.history = History(SERIES, max_points=5)
    t.step(60)
    assert len(t.snapshot().history["step"]) <= 10


def test_metric_fn_runs_every_metrics_every_steps(make_trainer):
    t = make_trainer(tiny_cfg(), metric_fn=lambda gan: {"seen": gan.step}, metrics_every=10)
    t.step(30)
    assert [m["step"] for m in t.snapshot().metrics] == [10, 20, 30]
    assert all(m["seen"] == m["step"] for m in t.snapshot().metrics)


def test_a_failing_metric_fn_does_not_stop_training(make_trainer):
    t = make_trainer(tiny_cfg(), metric_fn=lambda gan: 1 / 0, metrics_every=5)
    t.step(10)
    s = t.snapshot()
    assert s.step == 10 and s.status == "paused"
    assert "ZeroDivisionError" in s.metrics[0]["error"]


# --- alerts -------------------------------------------------------------------------------------

def fake_train_step(values: dict):
    """A stand-in for train_step that returns fixed numbers (no networks involved)."""

    def step(gan, mode="both", norms=True):
        gan.step += 1
        return {k: torch.tensor(v) for k, v in values.items() if norms or not k.startswith("grad_norm")}

    return step


NORMAL = {"d_loss": 1.2, "g_loss": 0.8, "d_real": 0.55, "d_fake": 0.45, "grad_norm_d": 1.0, "grad_norm_g": 1.0}


def test_d_wins_alert(make_trainer, monkeypatch):
    t = make_trainer(tiny_cfg(train={"log_every": 10}))
    monkeypatch.setattr(trainer_mod, "train_step", fake_train_step({**NORMAL, "d_loss": 0.001}))
    t.step(490)
    assert t.snapshot().alerts == []  # not yet: 490 < 500 steps
    t.step(110)
    alerts = t.snapshot().alerts
    assert len(alerts) == 1 and "D wins" in alerts[0] and "600 steps" in alerts[0]
    monkeypatch.setattr(trainer_mod, "train_step", fake_train_step(NORMAL))
    t.step(10)
    assert t.snapshot().alerts == []  # one normal read-back clears it


def test_d_wins_alert_is_off_for_wgan(make_trainer, monkeypatch):
    t = make_trainer(tiny_cfg(loss={"objective": "wgan"}, train={"log_every": 10}))
    monkeypatch.setattr(trainer_mod, "train_step", fake_train_step({**NORMAL, "d_loss": 0.0}))
    t.step(600)
    assert t.snapshot().alerts == []  # a critic's loss near 0 means nothing


@pytest.mark.parametrize("net", ["g", "d"])
def test_exploding_gradient_alert(make_trainer, monkeypatch, net):
    """On after GRAD_ON_READINGS read-backs in a row over the MLP's level (live/single/alerts.py)."""
    t = make_trainer()
    monkeypatch.setattr(trainer_mod, "train_step", fake_train_step({**NORMAL, f"grad_norm_{net}": 500.0}))
    for _ in range(GRAD_ON_READINGS - 1):
        t.step(5)
    assert t.snapshot().alerts == []  # one step's norm is read back per read-back: not a trend yet
    t.step(5)
    alerts = t.snapshot().alerts
    assert len(alerts) == 1 and f"{net.upper()}'s gradient norm is 500" in alerts[0]


def test_minimax_saturation_alert(make_trainer, monkeypatch):
    t = make_trainer(tiny_cfg(loss={"objective": "minimax"}))
    monkeypatch.setattr(trainer_mod, "train_step", fake_train_step({**NORMAL, "d_fake": 0.01}))
    t.step(200)
    assert t.snapshot().alerts == []
    t.step(10)
    assert any("non-saturating" in a for a in t.snapshot().alerts)


def test_stop_interrupts_a_long_step_job(make_trainer, wait_for):
    """stop() must not wait for (or leave behind) a thread busy with a long Step job."""
    t = make_trainer()
    t.step(1_000_000, wait=False)
    assert wait_for(lambda: t.snapshot().step > 5)
    thread = t._thread
    t.stop(timeout=5)
    assert not thread.is_alive()
    stopped_at = t.snapshot().step
    t.start()  # exactly one thread trains afterwards
    assert wait_for(lambda: t.snapshot().step > stopped_at)
    assert [th for th in threading.enumerate() if th.name == "gan-trainer" and th.is_alive()] == [t._thread]
