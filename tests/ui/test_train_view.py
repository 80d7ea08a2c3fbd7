"""The Train tab's picture from a real run's snapshot (ui.train.view): the 2D field and the sample grid."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from gan_core.pictures.field_draw import FIELD_LAYERS, layout
from gan_core.presets import get_preset
from live.single.trainer import Trainer
from ui.train import view

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def ring8_snapshot():
    trainer = Trainer(get_preset("ring8", train={"device": "cpu"}))
    trainer.step(20, "both", wait=True)
    trainer._publish_visuals(force=True)
    yield trainer.snapshot()
    trainer.stop()


def test_the_field_is_drawn_at_page_size(ring8_snapshot):
    img = view.visual_image(ring8_snapshot, FIELD_LAYERS)
    assert img.dtype == np.uint8 and img.shape == (layout(view.FIELD_WIDTH)["height"], view.FIELD_WIDTH, 3)
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 100  # a picture, not a blank


def test_a_repeated_frame_is_not_redrawn_but_a_new_one_is(ring8_snapshot):
    snap = ring8_snapshot
    first = view.visual_image(snap, FIELD_LAYERS)
    assert view.visual_image(snap, list(FIELD_LAYERS)) is first  # same field, layers, step: cached
    assert view.visual_image(snap, ["real", "fake"]) is not first
    moved = dataclasses.replace(snap, field={**snap.field, "fake": snap.field["fake"] + 0.1})
    assert not np.array_equal(view.visual_image(moved, FIELD_LAYERS), first)
    later = dataclasses.replace(snap, visual_step=snap.visual_step + 1)  # the title says the step the field shows
    assert not np.array_equal(view.visual_image(later, FIELD_LAYERS), first)
    trained_on = dataclasses.replace(snap, step=snap.step + 7)  # training went on, the field did not: same picture
    assert view.visual_image(trained_on, FIELD_LAYERS) is first


def test_image_runs_show_the_upscaled_grid():
    trainer = Trainer(get_preset("digits", train={"device": "cpu"}))
    trainer._publish_visuals(force=True)
    img = view.visual_image(trainer.snapshot())
    trainer.stop()
    assert img.dtype == np.uint8 and min(img.shape[:2]) >= 440 and img.shape[2] == 3


def test_export_writes_the_history_and_the_field_picture(ring8_snapshot, tmp_path):
    from PIL import Image

    paths = view.export_files(ring8_snapshot, tmp_path, ["heat", "fake"])
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["gan_history.csv", "gan_field.png"]
    png = np.asarray(Image.open(paths[1]).convert("RGB"))
    assert np.array_equal(png, view.visual_image(ring8_snapshot, ["heat", "fake"]))


def test_before_any_run_the_tab_shows_the_untrained_g_of_the_settings():
    from ui.live_view.payload import unpack

    cfg = get_preset("ring8")
    visual = view.preview_visual(cfg)
    fresh = Trainer(cfg, device="cpu").render()  # what a run of these settings shows at step 0
    for name in ("real", "fake", "arrows", "heat", "manifold", "bounds", "centers"):
        assert np.array_equal(visual["field"][name], fresh["field"][name]), name
    assert visual["samples"] is None
    assert view.preview_visual(cfg) is visual  # computed once, shared
    assert not any(a.flags.writeable for a in visual["field"].values() if isinstance(a, np.ndarray))
    value = view.preview_value(cfg)  # the live view's value: nothing to poll, the step-0 field to draw
    assert value["token"] is None and value["payload"]["step"] == 0 and "no run yet" in value["payload"]["status_html"]
    picture = value["payload"]["picture"]
    assert picture["kind"] == "field" and picture["step"] == 0
    assert np.allclose(unpack(picture["fake"]), fresh["field"]["fake"], atol=1e-4 * np.ptp(fresh["field"]["fake"]))
    digits = view.preview_visual(get_preset("digits"))
    assert digits["field"] is None and digits["samples"].ndim == 3 and not digits["samples"].flags.writeable
    assert view.preview_value(get_preset("digits"))["payload"]["picture"]["kind"] == "samples"  # the grid
    # under a labelled row of real digits (issue #26: the first screen was a flat grey grid): taller than wide,
    # white label bands with black text above the grey
    grid = digits["samples"]
    assert grid.shape[0] > grid.shape[1] >= view.PREVIEW_SIDE
    top = grid[: grid.shape[0] // 5]
    assert (top >= 250).all(axis=-1).any() and (top <= 5).all(axis=-1).any()
    # a download dataset is never fetched by a preview; broken settings give no picture, not an error
    for broken in (get_preset("digits", data={"name": "mnist"}),
                   get_preset("digits", data={"name": "folder", "path": "/no/such/dir"})):
        assert view.preview_visual(broken) is None and view.preview_value(broken) is None


def test_png_file_names_each_frame_by_its_content(tmp_path):
    """The Train tab hands Gradio a file in its cache instead of an array: the same frame twice is
    one file, another frame another, and the file holds exactly the picture (lossless PNG)."""
    from PIL import Image

    a = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    b = a.copy()
    b[0, 0] ^= 1
    path = view.png_file(a, tmp_path)
    assert path == view.png_file(a.copy(), tmp_path) != view.png_file(b, tmp_path)
    assert Path(path).parent.parent == tmp_path and Path(path).name == "frame.png"
    assert np.array_equal(np.asarray(Image.open(path).convert("RGB")), a)
    assert not list(tmp_path.rglob(".frame.*"))  # no half-written staging file left behind
    os.utime(path, (1e9, 1e9))  # an old frame asked for again is touched: delete_cache must not age it out
    view.png_file(a, tmp_path)
    assert Path(path).stat().st_mtime > 1e9 + 1


def test_link_previews_build_only_bounded_things_and_keep_a_bounded_cache(monkeypatch):
    """A link's settings (any width, any seed) once built a new network in the web server each: now 2D
    settings are kept in an LRU of PREVIEW_CACHE, and image settings other than a shipped preset's build
    nothing. Counted in cache entries and networks built, not in memory or time."""
    built = []
    real_trainer = view.Trainer
    monkeypatch.setattr(view, "Trainer", lambda cfg, **kw: built.append(cfg) or real_trainer(cfg, **kw))
    mnist = get_preset("mnist5k")
    for seed in range(1, 6):  # ?preset=mnist5k&width=256&seed=<new>
        assert view.preview_visual(get_preset("mnist5k", model={"ngf": 256, "ndf": 256}, train={"seed": seed})) is None
    assert built == []
    assert view.preview_visual(mnist) is view.preview_visual(mnist)  # a shipped preset: computed once, shared
    for seed in range(1, view.PREVIEW_CACHE + 10):  # ?preset=ring8&seed=<new>
        assert view.preview_visual(get_preset("ring8", train={"seed": seed})) is not None
    points, images = view.preview_cache_sizes()
    # digits (= memorise+full-set), memorise, mnist5k, mnist5k-cgan
    assert points <= view.PREVIEW_CACHE and images <= len(view.shipped_image_configs()) == 4


def test_a_run_being_built_says_what_it_is_doing_not_a_warning():
    from live.snapshot import Snapshot

    snap = Snapshot(status="building", dataset="folder", message="Building your run: reading your images, 4 s so far.")
    line = view.status_line(snap)
    assert line.startswith("**building** · folder") and "reading your images, 4 s so far." in line
    assert "⚠️" not in line and "it/s" not in line  # no speed or step yet: nothing trains
