"""The training curves drawn into pixels (gan_core/pictures/curves_draw.py): ranges, gaps, and where a line lands."""

from __future__ import annotations

import numpy as np
import pytest

from gan_core.pictures.curves_draw import BOTTOM, LEFT, RIGHT, TOP, Panel, Series, _runs, draw_curves, x_range, y_range


def line(label, values, steps=None, colour="#ff0000", **kw):
    values = np.asarray(values, dtype=np.float64)
    steps = np.arange(len(values), dtype=np.float64) if steps is None else np.asarray(steps, dtype=np.float64)
    return Series(label, colour, steps, values, **kw)


def test_series_must_pair_steps_and_values():
    with pytest.raises(ValueError):
        Series("x", "#000000", np.arange(3.0), np.arange(4.0))


def test_ranges_fit_the_data_with_headroom_and_fixed_limits_win():
    p = Panel("t", "y", (line("a", [1.0, 3.0]), line("b", [2.0, np.nan, np.inf])))
    lo, hi = y_range(p)
    assert lo == pytest.approx(1.0 - 0.12) and hi == pytest.approx(3.0 + 0.12)  # inf ignored, 6% headroom
    assert y_range(Panel("t", "y", (line("a", [0.3]),), y_lim=(0.0, 1.0))) == (0.0, 1.0)
    assert y_range(Panel("t", "y", (line("a", [2.0, 2.0]),))) == (1.5, 2.5)  # flat: still a band
    assert y_range(Panel("t", "y", ())) == (0.0, 1.0)
    assert x_range([Panel("t", "y", (line("a", [1, 2], steps=[10, 20]),)),
                    Panel("u", "y", (line("b", [1, 2], steps=[5, 15]),))]) == (5.0, 20.0)  # shared by the stack
    assert x_range([Panel("t", "y", (line("a", [1], steps=[7]),))]) == (6.0, 8.0)


def test_gaps_split_a_line_into_runs():
    assert _runs(np.array([True, True, False, True, False, False, True])) == [(0, 2), (3, 4), (6, 7)]
    assert _runs(np.array([False, False])) == []


def test_a_line_is_drawn_where_its_value_is():
    width, height = 300, 160
    panel = Panel("t", "y", (line("half", [0.5] * 50, colour="#ff0000"),), y_lim=(0.0, 1.0))
    image = draw_curves([panel], width=width, panel_height=height)
    assert image.shape == (height, width, 3) and image.dtype == np.uint8
    plot = image[TOP:height - BOTTOM, LEFT:width - RIGHT].astype(int)
    red = (plot[..., 0] > 200) & (plot[..., 1] < 120) & (plot[..., 2] < 120)
    rows = np.flatnonzero(red.any(axis=1))
    assert rows.size and abs(rows.mean() - (plot.shape[0] - 1) / 2) <= 2  # at 0.5 of the height
    assert red.any(axis=0).mean() > 0.9  # across the whole width


def test_a_gap_leaves_the_plot_blank_there():
    values = np.full(100, 0.5)
    values[40:60] = np.nan
    image = draw_curves([Panel("t", "y", (line("g", values, colour="#0000ff"),), y_lim=(0, 1))], width=300,
                        panel_height=160)
    plot = image[TOP:160 - BOTTOM, LEFT:300 - RIGHT].astype(int)
    blue = (plot[..., 2] > 200) & (plot[..., 0] < 120)
    cols = blue.any(axis=0)
    w = plot.shape[1]
    assert cols[: int(0.35 * w)].all() and not cols[int(0.45 * w): int(0.55 * w)].any()


def test_panels_stack_and_survive_extreme_values():
    panels = [Panel(str(i), "y", (line("a", [1e30, -1e30, 0.0, np.inf]),)) for i in range(3)]
    image = draw_curves(panels, width=460, panel_height=175)
    assert image.shape == (525, 460, 3)
