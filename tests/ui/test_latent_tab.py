"""The Latent space tab's handlers, called directly, and its wiring through an in-process Gradio client."""

from __future__ import annotations

import shutil
import sys

import gradio as gr
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image
from safetensors.torch import save_file

from gan_core.presets import get_preset
from live.serving.sessions import SessionRegistry
from ui.common import ROOT, AppContext
from ui.latent import tab
from ui.latent import view as lv
from ui.latent.layout import layout
from ui.latent.sources import LIVE, UPLOADED, first_source, source_choices

from latent_checkpoints import make_checkpoints

SKIP = gr.skip()
VIEW_NAMES = {"view", "status", "seed", "class_picker", "sliders", "image", "classes", "classes_box"}


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checkpoints")
    paths = make_checkpoints(folder)
    (folder / "junk.safetensors").write_bytes(b"not a checkpoint")  # the menu must skip it
    return folder, paths


@pytest.fixture
def ctx(ckpts):
    registry = SessionRegistry(max_running=1)
    yield AppContext(registry=registry, checkpoint_dir=ckpts[0])
    registry.shutdown()


def _visible_sliders(out) -> list:
    return [s for s in out["sliders"] if s.visible]


def test_menu_lists_the_live_run_then_gan_checkpoints(ctx):
    assert source_choices(ctx, {}) == [LIVE, "digits-cgan", "digits", "ring8"]  # by file name
    assert source_choices(ctx, {UPLOADED + "x.safetensors": "/x"})[-1] == UPLOADED + "x.safetensors"


def test_pick_a_large_latent_checkpoint(ctx):
    out = tab.pick_source(ctx, "digits", {}, 4, "s")
    assert set(out) == VIEW_NAMES and len(out["sliders"]) == lv.MAX_SLIDERS
    view, status = out["view"], out["status"]
    assert isinstance(view, lv.LatentView) and view.mode == "pca"
    assert "digits" in status and "principal directions" in status and "conditional" not in status
    sliders = _visible_sliders(out)
    assert len(sliders) == 8 and all(s.value == 0.0 and s.maximum == 3.0 for s in sliders)
    assert out["image"].shape == (256, 256, 3)
    assert out["classes"] is None and out["classes_box"].visible is False and out["class_picker"].visible is False


def test_pick_a_2d_checkpoint_gives_one_slider_per_dimension(ctx):
    out = tab.pick_source(ctx, "ring8", {}, 4, "s")
    view = out["view"]
    sliders = _visible_sliders(out)
    assert [s.label for s in sliders] == ["z[0]", "z[1]"]
    assert [s.value for s in sliders] == lv.slider_values(view, 4)
    assert out["image"].shape == view.plane.background.shape


def test_slider_release_changes_the_image(ctx):
    view = tab.pick_source(ctx, "digits", {}, 0, "s")["view"]
    before, _ = tab.move(view, 0, None, *[0.0] * 8)
    after, _ = tab.move(view, 0, None, *([2.5] + [0.0] * 7))
    assert not np.array_equal(before, after)
    assert tab.move(None, 0, None, *[0.0] * 8) == (SKIP, SKIP)  # no source yet: nothing happens


def test_seed_and_reset_put_the_sliders_at_the_seed(ctx):
    view = tab.pick_source(ctx, "ring8", {}, 0, "s")["view"]
    out = tab.new_seed(view, 11, None)
    assert out["seed"] == 11
    assert [s.value for s in _visible_sliders(out)] == lv.slider_values(view, 11)
    image = out["image"]
    assert np.array_equal(image, lv.render(view, lv.latent_at(view, 11, lv.slider_values(view, 11))))


def _bad_files(tmp_path, good):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00\x01 definitely not safetensors" * 10)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good.read_bytes()[:2000])
    foreign = tmp_path / "foreign.safetensors"  # a valid safetensors file, but not ours
    save_file({"w": torch.zeros(3)}, str(foreign))
    return [garbage, text, truncated, foreign]


def test_wrong_upload_gives_a_message_and_the_tab_keeps_working(ctx, ckpts, tmp_path):
    view = tab.pick_source(ctx, "digits", {}, 0, "s")["view"]
    for bad in _bad_files(tmp_path, ckpts[1]["digits"]) + [None]:
        out = tab.upload_source(ctx, None if bad is None else str(bad), {}, 0)
        assert set(out) == {"status"}  # nothing else changes
        message = out["status"]
        assert message.startswith("**That upload is not a usable checkpoint.**"), message
        assert len(message) > 60  # the CheckpointError's reason follows
    image, _ = tab.move(view, 0, None, *([1.0] + [0.0] * 7))  # the tab still works
    assert image.shape == (256, 256, 3)


def test_good_upload_becomes_a_source(ctx, ckpts, tmp_path):
    mine = tmp_path / "my-model.safetensors"
    shutil.copy(ckpts[1]["ring8"], mine)
    out = tab.upload_source(ctx, str(mine), {}, 0)
    uploads, menu, view = out["uploads"], out["source"], out["view"]
    label = UPLOADED + "my-model.safetensors"
    assert uploads == {label: str(mine)} and menu.value == label and (label, label) in menu.choices
    assert view.mode == "dims"
    again = tab.pick_source(ctx, label, uploads, 0, "s")
    assert isinstance(again["view"], lv.LatentView)


def test_live_run_of_this_session(ctx):
    out = tab.pick_source(ctx, LIVE, {}, 0, "session-a")
    assert set(out) == {"status"} and "no run in this session yet" in out["status"]
    ctx.registry.create("session-a", get_preset("ring8", train={"device": "cpu"}))
    out = tab.pick_source(ctx, LIVE, {}, 0, "session-a")
    assert out["view"].source.meta.get("live") and "this session's run" in out["status"]
    assert len(_visible_sliders(out)) == 2


def test_opening_the_tab_picks_a_default_once(ctx):
    first = tab.open_tab(ctx, None, {}, 0, "fresh")
    assert first["source"].value == "digits-cgan" and isinstance(first["view"], lv.LatentView)  # the first in the menu
    ctx.registry.create("busy", get_preset("ring8", train={"device": "cpu"}))
    assert tab.open_tab(ctx, None, {}, 0, "busy")["source"].value == LIVE
    again = tab.open_tab(ctx, first["view"], {}, 0, "fresh")  # already showing something: only refresh the menu
    assert set(again) == {"source"} and set(again["source"].constructor_args) == {"choices"}


def test_without_a_run_the_tab_opens_on_mnist5k_when_it_is_shipped():
    """Issue #26: the tab opened on the 8x8 digits (first by name) where the guides say mnist5k."""
    assert first_source([LIVE, "digits", "digits-cgan", "mnist5k", "ring8"]) == "mnist5k"
    assert first_source([LIVE, "digits", "ring8"]) == "digits"  # (a folder without it: the first checkpoint)
    assert first_source([LIVE]) is None


def test_conditional_model_class_picker_and_every_class(ctx):
    out = tab.pick_source(ctx, "digits-cgan", {}, 0, "s")
    view, picker = out["view"], out["class_picker"]
    assert picker.visible and [c[0] for c in picker.choices] == [str(k) for k in range(10)]
    assert out["classes"] is not None and out["classes_box"].visible
    three, _ = tab.move(view, 0, "3", *[0.0] * 8)
    five, _ = tab.move(view, 0, "5", *[0.0] * 8)
    assert not np.array_equal(three, five)


def test_interpolate_gives_both_paths_a_plot_and_a_gif(ctx):
    view = tab.pick_source(ctx, "digits", {}, 0, "s")["view"]
    lerp, slerp, fig, gif = tab.interpolate(view, 1, 2, 6, None)
    assert lerp.shape == slerp.shape and isinstance(fig, Figure)
    with Image.open(gif) as im:
        assert im.n_frames == 10 and gif.endswith(".gif")
    with pytest.raises(gr.Error):
        tab.interpolate(None, 1, 2, 6, None)


def test_answers_by_name_become_answers_by_component(ctx):
    """What the handlers answer by name maps onto the tab's own components (the sliders one by one)."""
    with gr.Blocks():
        with gr.Tabs():
            with gr.Tab("Latent space"):
                ui = layout(ctx)
    out = tab.by_component(ui, tab.pick_source(ctx, "ring8", {}, 0, "s"))
    assert out[ui.view].mode == "dims" and out[ui.image] is not None
    assert [out[s].visible for s in ui.sliders] == [True, True] + [False] * (lv.MAX_SLIDERS - 2)
    assert tab.by_component(ui, {}) == SKIP  # nothing changes (an empty dict would be no answer at all)


@pytest.mark.slow
def test_wiring_through_the_running_tab(ckpts):
    """The endpoints the browser and scripts/latent_latency.py use, on a launched Blocks with this tab."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from latent_latency import measure_api

    ctx = AppContext(registry=SessionRegistry(), checkpoint_dir=ckpts[0])
    with gr.Blocks() as demo:
        with gr.Tabs():
            tab.build(ctx)
    demo.queue()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True)
    try:
        result = measure_api(url, "digits", n=3, warmup=1)
        assert result["n"] == 3 and result["p95_ms"] > 0
        with pytest.raises(RuntimeError, match="no run in this session yet"):  # the status line comes back
            measure_api(url, LIVE, n=1, warmup=0)
    finally:
        ctx.registry.shutdown()
        demo.close()
