"""The collapse fixes switched on live (issue #17 §1; live/single/live_fixes.py): R1, instance noise, unrolled D
and feature matching change the step of a running or paused run of every kind, which keeps its weights,
Adam moments, step count and history; values out of bounds, and fixes the run cannot take, are refused
with a sentence and change nothing. A class run whose fix cannot be batched moves to the class process's
solo lane (live/classroom/solo_lane.py) with its state, and back into a group when the fix is off again."""

from __future__ import annotations

import json

import pytest
import torch

from gan_core import checkpoint, losses
from gan_core.config import ConfigError
from gan_core.gan import build_gan
from gan_core.train import annealed_noise_std, d_step, train_step
from live.run import LiveSettings
from live.single.live_fixes import apply_live, fixes_of, with_fixes

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")


def _weights(module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# -- the config side ------------------------------------------------------------------------------

def test_with_fixes_sets_the_fields_and_noise_anneals_from_the_switch():
    cfg = tiny_cfg()
    new = with_fixes(cfg, 700, r1_gamma=1, instance_noise=0.2, unrolled_steps=3, feature_matching=True)
    assert fixes_of(new) == {"r1_gamma": 1.0, "instance_noise": 0.2, "unrolled_steps": 3, "feature_matching": True}
    assert new.loss.instance_noise_start == 700
    back = new.replace(loss={"r1_gamma": 0.0, "instance_noise": 0.0, "feature_matching": False,
                             "instance_noise_start": 0}, train={"unrolled_steps": 0})
    assert back == cfg  # nothing else changed
    assert with_fixes(new, 900, r1_gamma=1.0, instance_noise=0.2) is new  # the same values: no change, no restart
    lc = new.loss
    assert annealed_noise_std(lc, 700) == pytest.approx(0.2)  # full strength at the switch
    assert annealed_noise_std(lc, 700 + lc.instance_noise_steps // 2) == pytest.approx(0.1)
    assert annealed_noise_std(lc, 700 + lc.instance_noise_steps) == 0.0
    assert annealed_noise_std(lc, 100) == pytest.approx(0.2)  # before its start (a rollback): never above sigma


def test_with_fixes_refuses_what_this_run_cannot_take():
    with pytest.raises(ConfigError, match="MLP"):
        with_fixes(tiny_cfg("digits"), 10, unrolled_steps=2)  # unrolled D on images
    with pytest.raises(ConfigError, match="BatchNorm"):
        with_fixes(tiny_cfg("digits"), 10, r1_gamma=1.0)  # its D was built with BatchNorm
    assert with_fixes(tiny_cfg("digits", model={"spectral_norm": True}), 10, r1_gamma=1.0).loss.r1_gamma == 1.0
    with pytest.raises(ConfigError, match="not a live fix"):
        with_fixes(tiny_cfg(), 10, batch_size=3)


@pytest.mark.parametrize("kwargs, words", [
    ({"r1_gamma": -1.0}, "R1's gamma"), ({"r1_gamma": 11.0}, "R1's gamma"), ({"r1_gamma": float("nan")}, "R1's gamma"),
    ({"instance_noise": 1.5}, "instance noise"), ({"unrolled_steps": 11}, "unrolled D steps"),
    ({"unrolled_steps": 2.5}, "whole number"), ({"unrolled_steps": True}, "unrolled D steps"),
    ({"feature_matching": "yes"}, "feature matching"), ({"r1_gamma": "1"}, "R1's gamma"),
])
def test_live_bounds_are_refused_with_a_sentence(kwargs, words):
    with pytest.raises(ValueError, match=words):
        LiveSettings(**kwargs)


def test_r1_switched_on_live_adds_exactly_the_penalty_to_ds_loss():
    """Two copies of one run; R1 (gamma 2) switched on one of them between two steps: its next D loss
    is the other's plus gamma/2 E||grad D(x_real)||^2 on the same real batch."""
    cfg = tiny_cfg()
    on, off = build_gan(cfg, "cpu"), build_gan(cfg, "cpu")
    for gan in (on, off):
        for _ in range(5):
            train_step(gan)
    apply_live(on, {"r1_gamma": 2.0})
    peek = torch.Generator().set_state(on.gen.get_state())
    real, _ = on.data.sample(cfg.train.batch_size, peek)  # the batch d_step draws first
    penalty = losses.r1_penalty(on.D, real, None).detach()
    d_on, _ = d_step(on)
    d_off, _ = d_step(off)
    torch.testing.assert_close(d_on["d_loss"], d_off["d_loss"] + 1.0 * penalty)


# -- a run alone (Trainer thread) -------------------------------------------------------------------

def test_a_paused_trainer_takes_every_fix_at_once_and_keeps_its_state(make_trainer, monkeypatch, tmp_path):
    t = make_trainer(tiny_cfg())
    t.step(20)
    gan, G, opt_steps = t.gan, _weights(t.gan.G), t.gan.opt_d.state_dict()["state"][0]["step"].item()
    rows = list(t.snapshot().history["step"])
    t.set_live(LiveSettings(r1_gamma=1.0, instance_noise=0.1, unrolled_steps=2, feature_matching=True))
    assert t.gan is gan and _same(_weights(t.gan.G), G) and t.current_step == 20  # the same run, untouched
    assert t.snapshot().fixes == {"r1_gamma": 1.0, "instance_noise": 0.1, "unrolled_steps": 2,
                                     "feature_matching": True}
    assert t.gan.cfg.loss.instance_noise_start == 20

    calls = []
    real_r1 = losses.r1_penalty
    monkeypatch.setattr(losses, "r1_penalty", lambda *a: calls.append(1) or real_r1(*a))
    t.step(5)
    assert len(calls) == 5 * (1 + 2)  # R1 in every D update: the real one and the 2 unrolled ones a step
    assert t.current_step == 25 and t.gan.opt_d.state_dict()["state"][0]["step"].item() > opt_steps
    assert t.snapshot().history["step"] == rows + [25]  # the curves go on, no restart

    saved = checkpoint.save(t.gan, tmp_path / "run")  # the checkpoint records the fixes
    meta = json.loads(saved.with_suffix(".json").read_text())
    assert meta["config"]["train"]["unrolled_steps"] == 2 and meta["config"]["loss"]["r1_gamma"] == 1.0
    assert meta["config"]["loss"]["feature_matching"] and meta["config"]["loss"]["instance_noise_start"] == 20


def test_a_running_trainer_switches_unrolled_d_on_and_trains_on(make_trainer, wait_for):
    t = make_trainer(tiny_cfg())
    t.start()
    assert wait_for(lambda: t.current_step >= 30)
    t.set_live(LiveSettings(unrolled_steps=3))
    assert wait_for(lambda: t.gan.cfg.train.unrolled_steps == 3)
    at = t.current_step
    assert wait_for(lambda: t.current_step >= at + 30)
    steps = t.snapshot().history["step"]
    assert steps == sorted(set(steps)) and steps[0] <= 10  # one continuous history from the first rows
    assert t.snapshot().status == "running" and t.gan.current_config().train.unrolled_steps == 3


def test_a_trainer_refuses_a_fix_it_cannot_take_and_goes_on(make_trainer):
    t = make_trainer(tiny_cfg("digits"))
    t.step(3)
    before = t.gan.cfg
    with pytest.raises(ValueError, match="MLP"):
        t.set_live(LiveSettings(unrolled_steps=2))
    with pytest.raises(ValueError, match="BatchNorm"):
        t.set_live(LiveSettings(r1_gamma=1.0, lr_g=1e-3))  # refused as a whole: the learning rate did not change either
    with pytest.raises(ValueError, match="R1's gamma"):
        t.set_live(LiveSettings(r1_gamma=-1.0))
    assert t.gan.cfg == before and t.gan.opt_g.param_groups[0]["lr"] == before.train.lr_g
    t.set_live(LiveSettings(feature_matching=True, instance_noise=0.2))  # these a DCGAN can take
    t.step(2)
    assert t.current_step == 5 and t.snapshot().fixes["feature_matching"]


def test_reset_keeps_the_fixes_and_starts_from_step_zero(make_trainer):
    t = make_trainer(tiny_cfg())
    t.step(10)
    t.set_live(LiveSettings(unrolled_steps=2, lr_g=5e-4, instance_noise=0.2))
    t.reset()
    assert t.current_step == 0 and t.gan.cfg.train.unrolled_steps == 2
    assert t.gan.cfg.loss.instance_noise == 0.2 and t.gan.cfg.loss.instance_noise_start == 0  # fades from 0 again
    assert t.gan.opt_g.param_groups[0]["lr"] == t.cfg.train.lr_g  # (the rates go back to the config's)


# -- a run of the class (ClassHost in this process) -------------------------------------------------

@pytest.fixture
def host():
    from live.classroom.host import ClassHost
    h = ClassHost()
    yield h
    h.stop()


def _view_weights(host, run) -> tuple[dict, dict]:
    with host.lock:
        view = host.view(run)
    return _weights(view.G), _weights(view.D)


def test_a_class_run_moves_to_the_solo_lane_and_back_with_its_state(host, wait_for):
    cfg = tiny_cfg()
    a, b = host.add("a", cfg), host.add("b", cfg.replace(train={"seed": 1}))
    a.step(20)
    b.step(20)
    G, D = _view_weights(host, a)
    rows = list(a.snapshot().history["step"])

    a.set_live(LiveSettings(unrolled_steps=2, r1_gamma=0.5))
    assert host.lane(a) == "solo" and host.lane(b) == "batched"
    assert all(map(_same, _view_weights(host, a), (G, D)))
    snap = a.snapshot()
    assert "stepped alone" in snap.device and snap.fixes["unrolled_steps"] == 2 and snap.step == 20
    a.step(10)
    b.step(5)
    assert (a.current_step, b.current_step) == (30, 25)
    assert a.snapshot().history["step"][:len(rows)] == rows and a.snapshot().history["step"][-1] == 30
    assert wait_for(lambda: a.snapshot().visual_step == 30)  # its picture is drawn from the solo lane
    assert a.snapshot().field is not None

    G, D = _view_weights(host, a)
    a.set_live(LiveSettings(unrolled_steps=0, r1_gamma=0.0))  # off again: back into a batched group
    assert host.lane(a) == "batched" and "batched" in a.snapshot().device
    assert all(map(_same, _view_weights(host, a), (G, D)))
    a.step(5)
    with host.lock:
        book = host.groups[host._group_of["a"]].book("a")
        assert (book.step, book.adam_steps_g, book.adam_steps_d) == (35, 35, 35)  # Adam's counts went on too


@pytest.mark.parametrize("fix, lane", [({"r1_gamma": 1.0}, "solo"), ({"unrolled_steps": 2}, "batched")])
def test_a_class_run_with_a_live_fix_trains_as_gan_core_would(host, fix, lane):
    """Batched for 10 steps, a fix switched on live, 10 steps more (R1: in the solo lane; unrolled D: in
    the group of its k, live/classroom/batched/unroll.py): the same weights as gan_core's train_step with the same
    switch (apply_live) between the same steps."""
    cfg = tiny_cfg()
    run = host.add("a", cfg)
    run.step(10)
    run.set_live(LiveSettings(**fix))
    assert host.lane(run) == lane
    run.step(10)
    ref = build_gan(cfg, "cpu")
    for i in range(20):
        if i == 10:
            apply_live(ref, fix)
        train_step(ref)
    G, _ = _view_weights(host, run)
    for k, v in _weights(ref.G).items():
        torch.testing.assert_close(G[k], v, rtol=1e-4, atol=1e-5)


def test_unrolled_d_live_moves_a_class_run_to_the_group_of_its_k(host):
    a, b = host.add("a", tiny_cfg()), host.add("b", tiny_cfg().replace(train={"seed": 1}))
    a.step(5)
    b.step(5)
    a.set_live(LiveSettings(unrolled_steps=3))
    assert host.lane(a) == host.lane(b) == "batched" and host._group_of["a"] != host._group_of["b"]
    assert host._group_of["a"].unrolled_steps == 3
    b.set_live(LiveSettings(unrolled_steps=3))  # the same k: the same group again
    assert host._group_of["a"] == host._group_of["b"] and len(host.groups) == 1
    a.step(4)
    assert (a.current_step, b.current_step) == (9, 5)


def test_instance_noise_live_keeps_a_class_run_batched(host):
    run = host.add("a", tiny_cfg())
    run.step(12)
    run.set_live(LiveSettings(instance_noise=0.3))
    assert host.lane(run) == "batched"
    with host.lock:
        book = host.groups[host._group_of["a"]].book("a")
        assert book.cfg.loss.instance_noise == 0.3 and book.cfg.loss.instance_noise_start == 12
        assert book.instance_noise_std() == pytest.approx(0.3)
    run.step(3)
    assert run.current_step == 15 and run.snapshot().fixes["instance_noise"] == 0.3
    run.reset()  # started over: the noise fades from step 0 again
    with host.lock:
        book = host.groups[host._group_of["a"]].book("a")
        assert book.cfg.loss.instance_noise == 0.3 and book.cfg.loss.instance_noise_start == 0


def test_slow_motion_reset_and_nan_work_in_the_solo_lane(host, wait_for):
    run = host.add("a", tiny_cfg())
    run.step(5)
    run.set_live(LiveSettings(feature_matching=True))
    frames = run.slow_motion()
    assert len(frames) == 10 and run.current_step == 6 and host.lane(run) == "solo"
    with host.lock:  # NaN weights: back to the last good state, paused with a sentence
        for p in host.groups["solo"].gan("a").G.parameters():
            p.data.fill_(float("nan"))
    run.start()
    assert wait_for(lambda: run.snapshot().status == "paused")
    assert "NaN" in run.snapshot().message and run.current_step <= 6
    run.reset()
    assert run.current_step == 0 and host.lane(run) == "solo" and run.snapshot().fixes["feature_matching"]
    run.step(3)
    assert run.current_step == 3


def test_a_full_solo_lane_refuses_the_move_and_the_run_goes_on(host, monkeypatch):
    from live.classroom import solo_lane
    monkeypatch.setattr(solo_lane, "MAX_SOLO_RUNS", 1)
    a, b = host.add("a", tiny_cfg()), host.add("b", tiny_cfg().replace(train={"seed": 1}))
    a.set_live(LiveSettings(feature_matching=True))
    b.step(4)
    G, D = _view_weights(host, b)
    with pytest.raises(ValueError, match="fixes it cannot batch"):
        b.set_live(LiveSettings(feature_matching=True, lr_d=5e-3))
    assert host.lane(b) == "batched" and not b.snapshot().fixes["feature_matching"]
    assert all(map(_same, _view_weights(host, b), (G, D))) and b.snapshot().lr_d == tiny_cfg().train.lr_d
    b.step(2)
    assert b.current_step == 6


# -- a run in a process of its own -------------------------------------------------------------------

@pytest.mark.slow
def test_a_run_process_passes_the_fixes_through():
    from live.single import remote as worker
    if not worker.processes_available():
        pytest.skip("run processes are Linux-only")
    run = worker.RemoteTrainer(tiny_cfg())
    try:
        run.step(10)
        run.set_live(LiveSettings(unrolled_steps=2, r1_gamma=0.5))
        assert run.snapshot().fixes == {"r1_gamma": 0.5, "instance_noise": 0.0, "unrolled_steps": 2,
                                           "feature_matching": False}
        run.step(5)
        assert run.current_step == 15
        with pytest.raises(ValueError, match="unrolled D steps"):
            run.set_live(LiveSettings(unrolled_steps=50))
    finally:
        run.close()
