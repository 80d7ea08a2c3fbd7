"""The Replays tab's view (ui/replay/view.py): one frame's picture, curves and numbers from a shipped
replay, the slider value bounded, the frame cache; and the shipped replay set itself."""

from __future__ import annotations

import numpy as np
import pytest

from gan_core import replay as rp
from ui.common import ROOT
from ui.replay import view

SHIPPED = ROOT / "checkpoints"
LESSONS = ("ring8", "ring8-collapse", "digits", "mnist5k")


def test_the_shipped_replays_are_there_and_small():
    menu = view.shipped(SHIPPED)
    assert tuple(menu)[:4] == LESSONS  # the teaching guide's order
    total = sum(p.stat().st_size for p in rp.list_replays(SHIPPED))
    assert total <= 5 * 2**20, f"the replay set is {total / 2**20:.1f} MB"
    for name in LESSONS:
        r = view.get_replay(SHIPPED, name)
        assert 40 <= r.n_frames <= 100 and r.steps[-1] == r.cfg.train.steps
        assert r.meta["preset"] == name and r.meta["checkpoint"] == f"{name}.safetensors"
    assert view.get_replay(SHIPPED, "ring8").metrics[-1]["modes_covered"] == 8  # the healthy run ends on 8/8
    assert view.get_replay(SHIPPED, "mnist5k").metrics[-1]["classes_covered"] == 10


def test_a_slider_value_is_bounded_to_a_frame():
    r = view.get_replay(SHIPPED, "ring8")
    assert view.frame_index(r, 0) == 0
    assert view.frame_index(r, r.every * 3 + 1) == 3  # the nearest frame
    assert view.frame_index(r, "150") == 3
    assert view.frame_index(r, -10**9) == 0 and view.frame_index(r, 1e300) == r.n_frames - 1
    for bad in ("abc", None, float("nan"), float("inf"), [1]):
        with pytest.raises(ValueError, match="step"):
            view.frame_index(r, bad)


def test_a_name_from_a_client_is_only_compared():
    for bad in ("../checkpoints/ring8", "/etc/passwd", "ring8.replay.npz", "", None, "x" * 10_000):
        with pytest.raises(ValueError, match="no recorded run"):
            view.get_replay(SHIPPED, bad)


@pytest.mark.parametrize("name", ["ring8", "digits"])
def test_a_frame_has_a_picture_curves_and_a_metric_line(name):
    r = view.get_replay(SHIPPED, name)
    i = r.n_frames // 2
    picture, curves = view.picture(r, i), view.curves(r, i)
    assert picture.dtype == np.uint8 and picture.ndim == 3 and min(picture.shape[:2]) >= 400
    assert curves.dtype == np.uint8 and curves.shape[1] == 460
    assert not np.array_equal(view.curves(r, 0), curves)  # the coloured part grows with the step
    line = view.metric_line(r, i)
    assert f"**Step {r.steps[i]:,}** of {r.steps[-1]:,}" in line
    assert ("modes covered" in line) if r.is_points else ("digit classes" in line)
    assert "--record" in view.about(r) and f"--preset {name}" in view.about(r)


def test_frames_are_cached_as_png_and_prerendered():
    r = view.get_replay(SHIPPED, "ring8-collapse")
    first = view.frame_pngs(r, 5)
    assert first[0][:8] == b"\x89PNG\r\n\x1a\n" and first[1][:8] == b"\x89PNG\r\n\x1a\n"
    assert view.frame_pngs(r, 5) is first  # a position seen before is a lookup
    thread = view.prerender(r)
    assert thread is not None and view.prerender(r) is None  # one prerender per replay at a time
    thread.join(120)
    assert not thread.is_alive()
    assert all(view.FRAMES.get((*view._replay_key(r), i)) is not None
               for i in range(r.n_frames))


def test_a_broken_file_is_left_out_of_the_menu(tmp_path):
    (tmp_path / "broken.replay.npz").write_bytes(b"not a zip")
    assert view.shipped(tmp_path) == {}
