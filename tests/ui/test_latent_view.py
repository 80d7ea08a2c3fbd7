"""ui.latent.view / latent_plane: what the Latent space tab computes, without the UI."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from gan_core.frozen import Source
from ui.latent import view as lv
from ui.latent.plane import MARK_RGB

from latent_checkpoints import build


def _source(gan, name: str) -> Source:
    return Source(name=name, cfg=gan.cfg, G=gan.G.eval(), D=gan.D.eval(), num_classes=gan.num_classes)


@pytest.fixture(scope="module")
def digits():
    gan = build("digits")
    return _source(gan, "digits"), gan.data


@pytest.fixture(scope="module")
def cgan(digits):
    return _source(build("digits-cgan", digits[1]), "digits-cgan")


@pytest.fixture(scope="module")
def ring():
    return _source(build("ring8"), "ring8")


def test_small_latent_gets_one_slider_per_coordinate(ring):
    view = lv.make_view(ring)
    assert (view.mode, view.n_sliders, view.span, view.labels) == ("dims", 2, 3.0, ["z[0]", "z[1]"])
    z = lv.seed_latent(view, 7)
    values = lv.slider_values(view, 7)
    assert values == [round(float(v), 2) for v in z.clamp(-3, 3)]
    assert torch.equal(lv.latent_at(view, 7, [0.5, -1.25]), torch.tensor([0.5, -1.25]))


def test_uniform_noise_sliders_span_its_support(ring):
    cfg = ring.cfg.replace(model={"noise": "uniform"})
    view = lv.make_view(Source("u", cfg, ring.G, ring.D, 0))
    assert view.span == 1.0
    assert all(-1 <= v <= 1 for v in lv.slider_values(view, 3))


def test_large_latent_gets_principal_direction_sliders(digits):
    src = digits[0]
    view = lv.make_view(src)
    assert view.mode == "pca" and view.n_sliders == lv.MAX_SLIDERS and src.nz == 32
    assert "% of G's variance" in view.labels[0]
    assert lv.slider_values(view, 5) == [0.0] * 8  # reset = the seed's own z
    z_seed = lv.seed_latent(view, 5)
    assert torch.equal(lv.latent_at(view, 5, [0.0] * 8), z_seed)
    moved = lv.latent_at(view, 5, [2.0] + [0.0] * 7)
    assert torch.allclose(moved - z_seed, 2.0 * view.directions.directions[0], atol=1e-6)
    assert lv.directions_for(src) is view.directions  # computed once per source


def test_render_image_is_upscaled_and_follows_z(digits):
    view = lv.make_view(digits[0])
    a = lv.render(view, lv.latent_at(view, 0, [0.0] * 8))
    b = lv.render(view, lv.latent_at(view, 0, [2.5] + [0.0] * 7))
    again = lv.render(view, lv.latent_at(view, 0, [0.0] * 8))
    assert a.shape == (256, 256, 3) and a.dtype == np.uint8  # 8x8 digit, 32x nearest upscale
    assert np.array_equal(a[:32, :32], np.broadcast_to(a[0, 0], (32, 32, 3)))  # one pixel = a 32x32 block
    assert np.abs(a.astype(int) - b).mean() > 2  # the slider moved the picture
    assert np.array_equal(a, again)  # and the same position gives the same picture


def test_render_worker_is_single_threaded_without_changing_the_default():
    assert lv._RENDER.submit(torch.get_num_threads).result() == 1
    seen = []
    t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    t.start()
    t.join()
    assert seen == [torch.get_num_threads()]  # new threads (training) keep the process default


def test_conditional_shows_one_latent_under_every_class(cgan, digits):
    view = lv.make_view(cgan)
    z = lv.latent_at(view, 1, [0.0] * 8)
    row = lv.render_all_classes(view, z)
    tile = (row.shape[1] - 2) // 5  # two rows of five, 2 px padding
    assert row.shape[0] == 2 * tile + 2
    first, second = row[2:tile, 2:tile], row[2:tile, tile + 2:2 * tile]
    assert not np.array_equal(first, second)  # class 0 and class 1 differ for the same z
    assert not np.array_equal(lv.render(view, z, 3), lv.render(view, z, 5))
    assert lv.render_all_classes(lv.make_view(digits[0]), z) is None  # unconditional: no row


def test_plane_marker_lands_on_the_point(ring):
    view = lv.make_view(ring)
    plane = view.plane
    point = np.array([[0.5, -0.5]])
    img = plane.with_points(point)
    col, row = plane.to_pixels(point)[0]
    assert np.array_equal(img[int(row), int(col)], MARK_RGB)
    assert not np.array_equal(plane.background[int(row), int(col)], MARK_RGB)  # background untouched
    far = plane.with_points(np.array([[1e3, 0.0]]))  # off the view: pinned to the right edge
    xmax = plane.bounds[1]
    edge_col, edge_row = plane.to_pixels(np.array([[xmax, 0.0]]))[0]
    assert np.array_equal(far[int(edge_row), int(edge_col) - 1], MARK_RGB)


def test_render_2d_is_the_plane_with_g_of_z(ring):
    view = lv.make_view(ring)
    z = torch.tensor([1.0, -0.5])
    img = lv.render(view, z)
    x = ring.generate(z[None]).numpy()
    col, row = view.plane.to_pixels(np.clip(x, view.plane.bounds[::2], view.plane.bounds[1::2]))[0]
    assert img.shape == view.plane.background.shape
    assert np.array_equal(img[int(row), int(col)], MARK_RGB)


@pytest.mark.parametrize("which", ["digits", "ring"])
def test_interpolation_pictures_and_norms(which, digits, ring):
    src = digits[0] if which == "digits" else ring
    view = lv.make_view(src)
    walk = lv.interpolate_seeds(view, 1, 2, 7)
    za, zb = lv.seed_latent(view, 1), lv.seed_latent(view, 2)
    for norms in (walk.lerp_norms, walk.slerp_norms):
        assert norms.shape == (7,)
        assert norms[0] == pytest.approx(float(za.norm()), rel=1e-5)
        assert norms[-1] == pytest.approx(float(zb.norm()), rel=1e-5)
    if src.nz > 2:  # in 32 dimensions the straight line dips well inside the shell; slerp does not
        assert walk.lerp_norms[3] < 0.85 * walk.slerp_norms[3]
    assert walk.lerp.dtype == np.uint8 and walk.lerp.shape == walk.slerp.shape
    assert not np.array_equal(walk.lerp, walk.slerp)
    fig = lv.norm_figure(walk, src)
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 3  # lerp, slerp, typical |z|


def test_gif_walk_bounces_and_loops(digits, tmp_path):
    view = lv.make_view(digits[0])
    walk = lv.interpolate_seeds(view, 1, 2, 5)
    frames = lv.gif_frames(view, walk.slerp_path)
    assert len(frames) == 5 and frames[0].shape == (160, 160, 3)
    lv.write_gif(frames, tmp_path / "walk.gif")
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 8  # 5 forward + 3 back (no repeated ends)
        assert gif.info.get("loop") == 0

