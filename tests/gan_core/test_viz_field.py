"""The 2D field picture (gan_core.pictures.field_draw): layers, colours and positions, pixel by pixel.

Synthetic fields on the square [-1, 1]^2 so every expected pixel can be computed by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from gan_core.pictures import field_draw as fd
from gan_core.pictures.field_draw import FIELD_LAYERS, draw_field, heat_lut, layout, nice_ticks

BOUNDS = (-1.0, 1.0, -1.0, 1.0)
WHITE = np.array([255, 255, 255])


def make_field(**over) -> dict:
    """A small field like compute_field's: 4 fake points pushed right, 4 real points, a noise grid."""
    t = np.linspace(-0.8, 0.8, 20, dtype=np.float32)
    gx, gy = np.meshgrid(t, t, indexing="ij")
    f = {"bounds": BOUNDS, "probability": True, "centers": None,
         "real": np.array([[-0.5, -0.5], [-0.5, 0.5], [0.5, 0.5], [0.5, -0.5]], np.float32),
         "fake": np.array([[0.0, 0.0], [0.2, 0.1], [-0.3, 0.2], [0.1, -0.4]], np.float32),
         "fake_d": np.full(4, 0.4, np.float32),
         "arrows": np.tile(np.array([[1.0, 0.0]], np.float32), (4, 1)),
         "heat": np.full((30, 30), 0.5, np.float32),
         "manifold": np.stack([gx, gy], -1)}
    f.update(over)
    return f


def pixel_of(x: float, y: float, width: int = 460) -> tuple[int, int]:
    """(row, column) in the whole picture of data point (x, y), by hand: the view is [-1, 1]^2, y up."""
    box = layout(width)
    col, row = (x + 1) / 2 * box["side"], (1 - y) / 2 * box["side"]
    return box["top"] + int(row), box["left"] + int(col)


def plot_area(img: np.ndarray) -> np.ndarray:
    box = layout(img.shape[1])
    return img[box["top"]:box["top"] + box["side"], box["left"]:box["left"] + box["side"]]


def test_a_frame_is_uint8_rgb_of_the_layout_size():
    for width in (460, 700):
        img = draw_field(make_field(centers=np.array([[0.5, 0.5]])), width=width)
        assert img.dtype == np.uint8 and img.shape == (layout(width)["height"], width, 3)


@pytest.mark.parametrize("layer", FIELD_LAYERS)
def test_every_layer_toggle_changes_the_plot(layer):
    everything = plot_area(draw_field(make_field(), FIELD_LAYERS))
    without = plot_area(draw_field(make_field(), [k for k in FIELD_LAYERS if k != layer]))
    assert (everything != without).any(axis=-1).sum() > 20


def test_a_fake_point_lands_where_its_coordinates_say():
    img = draw_field(make_field(fake=np.array([[0.5, -0.5]], np.float32)), ("fake",))
    row, col = pixel_of(0.5, -0.5)
    expected = 0.85 * np.array(fd.FAKE) + 0.15 * WHITE  # purple at alpha 0.85 over the white background
    assert np.abs(img[row, col].astype(float) - expected).max() < 8
    # nothing at the mirror images: y grows upwards, x to the right
    for x, y in ((-0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)):
        assert (img[pixel_of(x, y)] == WHITE).all()


def test_real_points_are_green_and_arrows_point_along_the_push():
    img = draw_field(make_field(real=np.array([[-0.5, 0.5]], np.float32), fake=np.array([[0.0, -0.5]], np.float32),
                                arrows=np.array([[1.0, 0.0]], np.float32)), ("real", "fake", "arrows"))
    green = img[pixel_of(-0.5, 0.5)].astype(int)
    assert green[1] > green[0] + 40 and green[1] > green[2] + 40
    # the arrow is 6% of the view long (its 90th-percentile rule with one arrow): 0.12 to the right
    def redness(x):  # the shaft is ~1 px wide: take the reddest of the three rows around it
        row, col = pixel_of(x, -0.5)
        rgb = img[row - 1:row + 2, col].astype(int)
        return (rgb[:, 0] - np.maximum(rgb[:, 1], rgb[:, 2])).max()
    assert redness(0.06) > 60 and redness(0.11) > 60  # shaft and head
    assert redness(-0.06) == 0 and redness(0.16) == 0  # nothing behind the point or past the tip


def test_mode_centres_are_black_crosses():
    img = draw_field(make_field(centers=np.array([[-0.6, -0.6]])), ())
    assert img[pixel_of(-0.6, -0.6)].max() < 60


def test_the_colour_map_is_matplotlibs_puor_r_washed_out_like_before():
    import matplotlib

    cmap = matplotlib.colormaps["PuOr_r"]
    for level in (0, 64, 128, 191, 255):
        rgb = np.array(cmap(level / 255)[:3]) * 255
        assert np.abs(heat_lut()[level] - (0.55 * rgb + 0.45 * 255)).max() <= 3


def test_probability_heat_map_has_a_fixed_scale_and_y_upwards():
    heat = np.zeros((30, 30), np.float32)
    heat[15:] = 1.0  # rows are y: the upper half says "real"
    img = draw_field(make_field(heat=heat), ("heat",))
    assert (img[pixel_of(0.0, 0.8)] == heat_lut()[255]).all()
    assert (img[pixel_of(0.0, -0.8)] == heat_lut()[0]).all()
    half = draw_field(make_field(heat=np.full((30, 30), 0.5, np.float32)), ("heat",))
    assert np.abs(half[pixel_of(0.0, 0.0)].astype(int) - heat_lut()[128]).max() <= 2  # 0.5 is white-ish


def test_score_heat_map_spans_its_own_range():
    ramp = np.tile(np.linspace(-3.0, 5.0, 30, dtype=np.float32), (30, 1))  # columns are x
    field = make_field(heat=ramp, probability=False)
    assert fd.heat_levels(field) == (-3.0, 5.0)
    img = draw_field(field, ("heat",))
    box = layout()
    row = box["top"] + box["side"] // 2
    left, right = img[row, box["left"]].astype(int), img[row, box["left"] + box["side"] - 1].astype(int)
    assert np.abs(left - heat_lut()[0]).max() <= 4 and np.abs(right - heat_lut()[255]).max() <= 4
    # the colour bar and its label differ from the probability picture's
    prob = draw_field(make_field(heat=np.clip(ramp, 0, 1)), ("heat",))
    bar = slice(box["left"] + box["side"], img.shape[1])
    assert (img[:, bar] != prob[:, bar]).any()


def test_no_heat_layer_means_a_white_plot_without_colour_bar():
    img = draw_field(make_field(), ())
    box = layout()
    assert (plot_area(img) == 255).all()
    assert (img[box["top"]:box["top"] + box["side"], box["left"] + box["side"] + 5:] == 255).all()


def test_nan_points_and_constant_scores_do_not_break_the_frame():
    fake = np.array([[np.nan, 0.0], [0.2, 0.2]], np.float32)
    field = make_field(fake=fake, arrows=np.array([[np.nan, 1.0], [0.0, 0.0]], np.float32),
                       heat=np.full((30, 30), 2.0, np.float32), probability=False)
    assert draw_field(field).shape == (layout()["height"], 460, 3)


def test_ticks_are_round_numbers_inside_the_range():
    assert list(nice_ticks(0.0, 1.0)) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert list(nice_ticks(-2.7, 2.7)) == [-2, -1, 0, 1, 2]
    assert list(nice_ticks(2.7, 5.3)) == [3, 3.5, 4, 4.5, 5]
