"""Training curves (losses, D outputs, gradient norms) drawn straight into pixels (numpy + PIL).

The Train tab used to send its curves to three gr.LinePlots as data; with a class of 30 polling
every second that grew the web server's memory by ~90 KB a poll, without bound (docs/CLASSROOM.md).
A picture is a file the browser fetches: the server keeps nothing per update. Drawn like the field
(gan_core/pictures/field_draw.py): the plot area at 2x and box-averaged down (smooth lines), text at 1x.

A picture is a stack of panels, one above the other (so it reads on a phone too), each:

    title                          ── legend 1  ── legend 2
    y ┌──────────────────────────────┐
    t │  lines                       │
    i │                              │
    c └──────────────────────────────┘
    k        x ticks (step)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from gan_core.pictures.field_draw import SS, _fmt, _glyphs, _text, nice_ticks

# layout in pixels of one panel
LEFT, RIGHT, TOP, BOTTOM = 50, 12, 24, 20
GRID = (225, 225, 225)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


@dataclass(frozen=True)
class Series:
    """One line: values[i] at steps[i] (both [n]); a NaN value leaves a gap."""

    label: str
    colour: str  # "#rrggbb"
    steps: np.ndarray
    values: np.ndarray
    dashed: bool = False

    def __post_init__(self):
        if np.shape(self.steps) != np.shape(self.values) or np.ndim(self.steps) != 1:
            raise ValueError(f"steps {np.shape(self.steps)} and values {np.shape(self.values)} must be equal 1-D")


@dataclass(frozen=True)
class Panel:
    title: str
    y_title: str
    series: tuple[Series, ...]
    y_lim: tuple[float, float] | None = None  # fixed range (D's probabilities: 0..1); None: the data's


def x_range(panels) -> tuple[float, float]:
    """The steps every panel shares, so the three panels line up one above the other."""
    steps = [s.steps for p in panels for s in p.series if len(s.steps)]
    if not steps:
        return 0.0, 1.0
    lo, hi = float(min(a.min() for a in steps)), float(max(a.max() for a in steps))
    return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)


def y_range(panel: Panel) -> tuple[float, float]:
    """The fixed range, else the finite values' range with 6% headroom (a flat line gets +-0.5)."""
    if panel.y_lim is not None:
        return float(panel.y_lim[0]), float(panel.y_lim[1])
    finite = [v[np.isfinite(v)] for s in panel.series for v in (np.asarray(s.values, dtype=np.float64),)]
    finite = [v for v in finite if v.size]
    if not finite:
        return 0.0, 1.0
    lo, hi = float(min(v.min() for v in finite)), float(max(v.max() for v in finite))
    if hi - lo < 1e-12:
        pad = max(abs(lo) * 0.1, 0.5)
        return lo - pad, hi + pad
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges where mask is True: the unbroken pieces of a line with gaps."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def _lines(panel: Panel, xr, yr, w: int, h: int) -> Image.Image:
    """The plot area [h, w] at SS x: grid lines at the y ticks, then each series."""
    im = Image.new("RGB", (w * SS, h * SS), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    (x0, x1), (y0, y1) = xr, yr
    for v in nice_ticks(y0, y1, 4):
        y = (y1 - v) / (y1 - y0) * (h * SS - 1)
        draw.line((0, y, w * SS, y), fill=GRID, width=SS)
    for s in panel.series:
        steps = np.asarray(s.steps, dtype=np.float64)
        values = np.clip(np.asarray(s.values, dtype=np.float64), y0 - (y1 - y0), y1 + (y1 - y0))  # inf stays drawable
        px = (steps - x0) / (x1 - x0) * (w * SS - 1)
        py = (y1 - values) / (y1 - y0) * (h * SS - 1)
        for a, b in _runs(np.isfinite(values)):
            pts = list(zip(px[a:b].tolist(), py[a:b].tolist()))
            if len(pts) == 1:
                (cx, cy), r = pts[0], 1.5 * SS
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgb(s.colour))
            elif s.dashed:
                _dashed(draw, pts, _rgb(s.colour), 2 * SS)
            else:
                draw.line(pts, fill=_rgb(s.colour), width=round(1.6 * SS), joint="curve")
    return im.reduce(SS)


def _dashed(draw: ImageDraw.ImageDraw, pts, colour, width: int, dash: float = 6 * SS) -> None:
    """A dashed polyline (only reference lines are dashed: two points, or a few)."""
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        length = float(np.hypot(bx - ax, by - ay))
        for t0 in np.arange(0.0, length, 2 * dash):
            t1 = min(t0 + dash, length)
            draw.line((ax + (bx - ax) * t0 / length, ay + (by - ay) * t0 / length,
                       ax + (bx - ax) * t1 / length, ay + (by - ay) * t1 / length), fill=colour, width=width)


def _panel(canvas: Image.Image, panel: Panel, xr, top: int, width: int, height: int, x_title: str) -> None:
    draw = ImageDraw.Draw(canvas)
    w, h = width - LEFT - RIGHT, height - TOP - BOTTOM
    y0, y1 = yr = y_range(panel)
    canvas.paste(_lines(panel, xr, yr, w, h), (LEFT, top + TOP))
    draw.rectangle((LEFT - 1, top + TOP - 1, LEFT + w, top + TOP + h), outline=(0, 0, 0))
    for v in nice_ticks(y0, y1, 4):
        y = top + TOP + (y1 - v) / (y1 - y0) * (h - 1)
        draw.line((LEFT - 4, y, LEFT - 1, y), fill=(0, 0, 0))
        _text(canvas, (LEFT - 6, y), _fmt(v), 10, "rm")
    x0, x1 = xr
    for v in nice_ticks(x0, x1, 6):
        x = LEFT + (v - x0) / (x1 - x0) * (w - 1)
        draw.line((x, top + TOP + h, x, top + TOP + h + 3), fill=(0, 0, 0))
        _text(canvas, (x, top + TOP + h + 4), f"{v:,.0f}" if abs(v) >= 1000 else _fmt(v), 10, "mt")
    if x_title:  # left of the first tick, under the y axis's labels
        _text(canvas, (LEFT - 6, top + TOP + h + 4), x_title, 11, "rt")
    _text(canvas, (9, top + TOP + h / 2), panel.y_title, 11, "mm", vertical=True)
    _text(canvas, (LEFT, top + TOP / 2), panel.title, 12, "lm")
    x = LEFT + w  # the legend, right-aligned on the title's line: "── label" per series, last first
    for s in reversed(panel.series):
        _text(canvas, (x, top + TOP / 2), s.label, 11, "rm")  # (at 10 px the font's hinting eats spaces)
        x -= _glyphs(s.label, 11, "rm", False)[0].width + 4
        draw.line((x - 14, top + TOP / 2, x - 2, top + TOP / 2), fill=_rgb(s.colour), width=2)
        x -= 26


def draw_curves(panels, width: int = 460, panel_height: int = 175) -> np.ndarray:
    """Panels stacked top to bottom as uint8 [len(panels) * panel_height, width, 3], x shared."""
    panels = tuple(panels)
    canvas = Image.new("RGB", (width, panel_height * len(panels)), (255, 255, 255))
    xr = x_range(panels)
    for i, panel in enumerate(panels):
        _panel(canvas, panel, xr, i * panel_height, width, panel_height, "step" if i == len(panels) - 1 else "")
    return np.asarray(canvas)
