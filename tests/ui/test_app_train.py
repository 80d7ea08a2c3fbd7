"""The Train tab: settings <-> config, what the view computes, and the real app driven by gradio_client.

The client tests run against the real app (the `app_server` fixture) in this process, so they can
look inside the session registry: the run the tab started must be the one that trains, pauses,
steps, and is gone (thread ended) after the client closes.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest

from gan_core.config import OBJECTIVES, ConfigError
from gan_core.presets import get_preset, preset_names
from live.single import remote as worker
from ui.train import view
from ui.train.settings import KEYS, base_config, config_from_values, preset_for, same_run, values_from_config

from conftest import live_poll, poll_until, status_of


# -- settings <-> RunConfig ----------------------------------------------------------------------
@pytest.mark.parametrize("name", preset_names())
def test_every_preset_survives_the_widgets(name):
    cfg = get_preset(name)
    assert config_from_values(values_from_config(cfg), name) == cfg


def test_widget_values_reach_the_config():
    v = values_from_config(get_preset("ring8"))
    v.update(width=64, depth=2, nz=3, beta1_d=0.0, beta2_d=0.9, pack=1, spectral_norm=True, ema=0.999, r1_gamma=1.0)
    cfg = config_from_values(v, "ring8")
    assert (cfg.model.hidden, cfg.model.depth, cfg.model.nz, cfg.model.pack) == (64, 2, 3, 1)
    assert cfg.train.betas_d == (0.0, 0.9) and cfg.model.spectral_norm and cfg.train.ema == 0.999
    assert cfg.loss.r1_gamma == 1.0 and cfg.model.init == "default"  # hidden settings come from the preset


def test_switching_to_images_takes_an_image_preset():
    assert preset_for("ring8", "digits") == "digits"
    assert preset_for("ring8", "cifar10") == "mnist5k"
    assert preset_for("ring8-collapse", "grid25") == "ring8-collapse"  # same kind: keep the picked preset
    v = values_from_config(base_config("ring8", "digits"))
    cfg = config_from_values(v, "ring8")
    assert cfg.model.arch == "dcgan" and cfg.model.ngf == cfg.model.ndf == v["width"]


def test_bad_settings_raise_config_error_with_a_reason():
    v = values_from_config(get_preset("ring8"))
    with pytest.raises(ConfigError, match="label smoothing"):
        config_from_values({**v, "objective": "wgan", "label_smoothing": 0.1}, "ring8")
    with pytest.raises(ConfigError, match="not a number"):
        config_from_values({**v, "lr_g": None}, "ring8")


def test_only_live_settings_keep_the_run():
    cfg = get_preset("ring8")
    assert same_run(cfg, cfg.replace(train={"lr_g": 1e-4, "lr_d": 4e-4, "d_steps": 3}))
    assert not same_run(cfg, cfg.replace(train={"batch_size": 64}))
    assert not same_run(cfg, cfg.replace(loss={"objective": "hinge"}))


# -- the view ------------------------------------------------------------------------------------
HISTORY = {"step": [10, 20, 30], "d_loss": [1.3, 1.2, 1.1], "g_loss": [0.7, 0.8, 0.9], "d_real": [0.6, 0.6, 0.7],
           "d_fake": [0.4, math.nan, 0.3], "grad_norm_d": [1.0, 2.0, 3.0], "grad_norm_g": [0.5, 0.5, 0.5]}


def _labels(panel):
    return [s.label for s in panel.series]


def test_curve_panels_carry_the_equilibrium_line_only_where_it_means_something():
    losses, d_out, grads = view.curve_panels(HISTORY, "nonsaturating")
    assert _labels(losses) == ["D loss", "G loss"] and list(losses.series[0].values) == [1.3, 1.2, 1.1]
    assert _labels(d_out) == ["D(x) real", "D(G(z)) fake", view.EQUILIBRIUM]
    assert math.isnan(d_out.series[1].values[1])  # a gap in the line, not a dropped point
    assert list(d_out.series[2].steps) == [10, 30] and list(d_out.series[2].values) == [0.5, 0.5]
    assert d_out.y_lim == (0.0, 1.0) and _labels(grads) == ["D grad norm", "G grad norm"]
    _, critic, _ = view.curve_panels(HISTORY, "wgan-gp")
    assert view.EQUILIBRIUM not in _labels(critic) and critic.y_lim is None


def test_nothing_to_plot_is_no_picture():
    assert view.curve_panels({"step": []}, "nonsaturating") is None
    assert view.curves_image({"step": []}, "nonsaturating") is None
    only_g = {"step": [1], "g_loss": [0.7], "grad_norm_g": [0.1]}
    losses, d_out, _ = view.curve_panels(only_g, "wgan")
    assert _labels(losses) == ["G loss"] and d_out.series == ()
    image = view.curves_image(only_g, "wgan")  # one point, empty panels: still a picture
    assert image.dtype == np.uint8 and image.shape == (525, view.PICTURE_WIDTH, 3)


def test_history_is_thinned_for_drawing():
    n = 5000
    h = {"step": list(range(n)), "d_loss": [1.0] * n}
    losses, _, _ = view.curve_panels(h, "hinge")
    assert len(losses.series[0].steps) <= view.MAX_POINTS


def test_explanation_follows_the_objective():
    texts = {o: view.explanation(o) for o in OBJECTIVES}
    assert "0.5" in texts["nonsaturating"] and "2 ln 2" in texts["minimax"]
    assert "critic" in texts["wgan"] and "no 0.5 line" in texts["wgan-gp"]
    assert len({texts["nonsaturating"], texts["lsgan"], texts["hinge"], texts["wgan"]}) == 4


def test_small_grids_are_blown_up_by_whole_pixels():
    import numpy as np

    grid = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    big = view.upscale(grid, min_side=7)  # factor 4
    assert big.shape == (8, 12, 3) and (big[::4, ::4] == grid).all()


# -- the real app through gradio_client ----------------------------------------------------------
def step_of(status: str) -> int:
    return int(re.search(r"step ([\d,]+)", status).group(1).replace(",", ""))


def poll_status(url: str, token: str) -> str:
    """The status the page would show now: one poll of the run's live view (its whole payload)."""
    return live_poll(url, token)["status_html"]




@pytest.fixture
def client_factory(app_server, monkeypatch):
    """gradio_client Clients on the real app; the server notices a closed client within ~1 s."""
    from gradio_client import Client

    monkeypatch.setenv("GRADIO_HEARTBEAT_INTERVAL", "1")  # read by the server per heartbeat connection
    made = []

    def make():
        made.append(Client(app_server[1], verbose=False))
        return made[-1]

    yield make
    for c in made:
        c.close()
        app_server[0].ctx.registry.close(c.session_hash)


def test_start_pause_step_and_close_through_the_client(app_server, client_factory, wait_for):
    demo, url = app_server
    registry = demo.ctx.registry
    client = client_factory()
    sid = client.session_hash

    answer = client.predict(api_name="/start")  # the page's defaults: the ring8 preset
    status, token = status_of(answer), answer[0]["token"]
    assert "running" in status and "ring8" in status
    run = registry.get(sid)
    assert run is not None and run.alive
    if worker.processes_available():  # (Linux) the app trains each run in a process of its own
        assert isinstance(run, worker.RemoteTrainer) and run.pid != os.getpid()

    start = step_of(status)
    assert poll_until(lambda: step_of(poll_status(url, token)) > start + 20, timeout_s=60, every_s=0.5), \
        "the step count did not grow while running"

    status = status_of(client.predict(api_name="/pause"))
    assert "paused" in status, status
    # paused for good once the chunk in flight has ended and its picture is drawn
    assert poll_until(lambda: (lambda s: s.status == "paused" and s.visual_step == s.step)(run.snapshot()))
    paused_at = run.snapshot().step
    assert step_of(poll_status(url, token)) == paused_at

    # default: 10 steps of D and G (1 showed no visible change: issue #26)
    assert step_of(status_of(client.predict(api_name="/step"))) == paused_at + 10
    after = status_of(client.predict(mode="d", n=10, api_name="/step"))
    assert step_of(after) == paused_at + 20 == run.snapshot().step
    assert "paused" in after and registry.get(sid) is run  # same settings: same run

    status = status_of(client.predict(1e-4, 4e-4, 2, api_name="/set_live"))  # TTUR and a 2:1 D:G ratio, same run
    snap = run.snapshot()
    assert (snap.lr_g, snap.lr_d, snap.d_steps) == (1e-4, 4e-4, 2) and "lr D 0.0004" in status

    client.close()  # the heartbeat ends -> demo.unload -> registry.close(session)
    assert wait_for(lambda: registry.get(sid) is None, 30), "demo.unload did not close the session's run"
    assert wait_for(lambda: not run.alive, 10), "the run's training thread is still alive"
    if isinstance(run, worker.RemoteTrainer) and not getattr(run, "shares_a_step", False):  # (the class process
        assert worker.wait_for_exit(run.pid, 10), "the run's process outlived its tab"  # serves other tabs too)


def test_bad_settings_show_a_message_and_start_nothing(app_server, client_factory):
    client = client_factory()
    v = {**values_from_config(get_preset("ring8")), "objective": "wgan", "label_smoothing": 0.1}
    out = client.predict("ring8", *[v[k] for k in KEYS], api_name="/start")
    assert "label smoothing only applies" in out[1]
    assert app_server[0].ctx.registry.get(client.session_hash) is None


def test_over_the_cap_a_student_queues_and_starts_when_a_slot_frees(app_server, client_factory, monkeypatch, wait_for):
    monkeypatch.setenv("GAN_CLASSROOM_BATCHED", "0")  # runs alone: the class's batched step never queues
    registry = app_server[0].ctx.registry
    monkeypatch.setattr(registry, "max_running", 1)
    first, second = client_factory(), client_factory()
    assert "running" in status_of(first.predict(api_name="/start"))
    out = second.predict(api_name="/start")
    assert "number 1 of 1 in the queue" in out[1] and "idle" in status_of(out)
    assert "number 1 of 1 in the queue" in out[0]["payload"]["note"]  # the page's note, which each poll updates
    assert registry.get(second.session_hash).status == "idle"
    assert "paused" in status_of(first.predict(api_name="/pause"))
    # the scheduler gives the free slot to the first in line; the queued tab's poll shows it
    assert wait_for(lambda: registry.get(second.session_hash).status == "running", 30)
    shown = live_poll(app_server[1], out[0]["token"])
    assert "running" in shown["status_html"] and shown["note"] == ""  # and the queue's note is cleared


def preset_inputs(name: str, **changes) -> list:
    """The Start button's inputs as the page sends them with preset `name` picked (and `changes` typed)."""
    v = {**values_from_config(get_preset(name)), **changes}
    return [name, *[v[k] for k in KEYS]]


def test_another_preset_is_a_new_run_and_a_live_tweak_is_not(app_server, client_factory, wait_for):
    """The lesson's order (#26): ring8-collapse, then its fix ring8-collapse+ttur, which differs only in
    learning rates. Start on the fix must be a fresh run, not the collapsed one going on with new rates;
    a learning rate the student types on the same preset goes on with the run."""
    registry = app_server[0].ctx.registry
    client = client_factory()
    sid = client.session_hash
    client.predict(*preset_inputs("ring8-collapse"), api_name="/start")
    collapsed = registry.get(sid)
    assert wait_for(lambda: collapsed.snapshot().step > 50, 60)
    client.predict(api_name="/pause")

    status = status_of(client.predict(*preset_inputs("ring8-collapse+ttur"), api_name="/start"))
    fix = registry.get(sid)
    assert fix is not collapsed and registry.made_from(sid) == "ring8-collapse+ttur", status
    assert (fix.snapshot().lr_g, fix.snapshot().lr_d) == (get_preset("ring8-collapse+ttur").train.lr_g,
                                                          get_preset("ring8-collapse+ttur").train.lr_d)
    client.predict(api_name="/pause")
    client.predict(*preset_inputs("ring8-collapse+ttur", lr_g=2e-3), api_name="/start")  # typed by the student
    assert registry.get(sid) is fix and fix.snapshot().lr_g == 2e-3
    client.predict(api_name="/pause")
