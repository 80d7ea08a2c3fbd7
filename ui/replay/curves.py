"""A replay's training curves up to one step, drawn straight into pixels (numpy + PIL, no plot library).

Three panels, as the Train tab's curves: the losses, D(x) and D(G(z)), the gradient norms. The
whole run is drawn faintly (where the curves are going) and the part up to the frame's step in
colour, with a cursor line at that step. The axes are the whole run's, so they stay still while a
student scrubs. Drawn at 2x and box-averaged down (anti-aliasing), text at 1x on top. What every
frame shares (`background`) is drawn once per run; a frame adds its coloured part and the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gan_core.pictures.field_draw import nice_ticks
from ui.curve_series import D_PANEL, PANELS, is_critic

WIDTH, PANEL_H = 460, 104  # px: as wide as the field picture beside it
LEFT, RIGHT, TOP, GAP, BOTTOM = 46, 18, 18, 24, 18
SS = 2
FADED = 0.22  # the rest of the run: this much colour over white


@lru_cache(maxsize=8)
def _font(px: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=px)


def _rgb(hex_colour: str, amount: float = 1.0) -> tuple[int, int, int]:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    return tuple(int(round(v)) for v in amount * c + (1 - amount) * 255)


def _limits(values: list[np.ndarray], equilibrium: bool) -> tuple[float, float]:
    """The panel's y-range over the whole run: 1st to 99th percentile (a spike does not flatten the
    rest), with [0, 1] kept in view for D's probabilities."""
    v = np.concatenate([x[np.isfinite(x)] for x in values]) if values else np.zeros(0)
    if not v.size:
        return 0.0, 1.0
    lo, hi = float(np.percentile(v, 1)), float(np.percentile(v, 99))
    if equilibrium:
        lo, hi = min(lo, 0.0), max(hi, 1.0)
    pad = 0.06 * (hi - lo) if hi > lo else 0.5
    return lo - pad, hi + pad


@dataclass(frozen=True)
class CurvesBackground:
    """What every frame of one run shares, drawn once: the faint whole run, frames, grid lines and
    the 0.5 line at 2x (`plot`), all the text at 1x (`text`, RGBA), and each curve's pixels."""

    plot: Image.Image  # RGB [H * SS, W * SS]
    text: Image.Image  # RGBA [H, W]: transparent but for the text
    curves: tuple  # (colour, steps [n], pixels [n, 2] at SS) per curve
    tops: tuple[int, ...]  # each panel's top edge (1x)
    span: float  # the run's last step: the x-axis' end


def _height() -> int:
    return TOP + len(PANELS) * (PANEL_H + GAP) - GAP + BOTTOM


def background(history: dict[str, np.ndarray], last_step: int, objective: str) -> CurvesBackground:
    """history {"step": [R], series: [R]}: the whole run, drawn faintly with its axes and labels."""
    height, side = _height(), WIDTH - LEFT - RIGHT
    canvas = Image.new("RGB", (WIDTH * SS, height * SS), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    steps = np.asarray(history.get("step", np.zeros(0)), dtype=np.float64)
    span = max(float(last_step), 1.0)
    labels, curves, tops = [], [], []  # labels: (x, y, text, colour, anchor) at 1x
    for p, (title, _, series) in enumerate(PANELS):
        top = TOP + p * (PANEL_H + GAP)
        tops.append(top)
        present = [(k, name, colour) for k, name, colour in series if k in history]
        equilibrium = p == D_PANEL and not is_critic(objective)
        lo, hi = _limits([np.asarray(history[k], dtype=np.float64) for k, _, _ in present], equilibrium)
        draw.rectangle((LEFT * SS, top * SS, (LEFT + side) * SS, (top + PANEL_H) * SS), outline=(0, 0, 0), width=SS)
        for v in nice_ticks(lo, hi, 4):
            y = (top + (hi - v) / (hi - lo) * PANEL_H) * SS
            draw.line((LEFT * SS + SS, y, (LEFT + side) * SS - SS, y), fill=(232, 232, 232), width=1)
            labels.append((LEFT - 4, y / SS, f"{v:.3g}" if v else "0", (0, 0, 0), "rm"))
        if equilibrium:  # where D can no longer tell real from fake: the 0.5 line
            y = (top + (hi - 0.5) / (hi - lo) * PANEL_H) * SS
            for x0 in range(LEFT * SS, (LEFT + side) * SS, 12):
                draw.line((x0, y, min(x0 + 6, (LEFT + side) * SS), y), fill=(150, 150, 150), width=SS)
        for k, name, colour in present:
            v = np.asarray(history[k], dtype=np.float64)
            ok = np.isfinite(v)
            x = LEFT + steps[ok] / span * side
            y = top + (hi - np.clip(v[ok], lo, hi)) / (hi - lo) * PANEL_H
            pixels = np.stack([x, y], 1) * SS
            if len(pixels) > 1:
                draw.line([tuple(q) for q in pixels.tolist()], fill=_rgb(colour, FADED), width=SS)
            curves.append((_rgb(colour), steps[ok], pixels))
        labels.append((LEFT, top - 3, title, (0, 0, 0), "ld"))
        x = LEFT + side
        for k, name, colour in reversed(present):  # legend, right-aligned above the panel
            labels.append((x, top - 3, name, _rgb(colour), "rd"))
            x -= 14 + round(_font(10).getlength(name))
    bottom = TOP + len(PANELS) * (PANEL_H + GAP) - GAP
    text = Image.new("RGBA", (WIDTH, height), (0, 0, 0, 0))
    tdraw = ImageDraw.Draw(text)
    for v in nice_ticks(0, span, 5):
        x = LEFT + v / span * side
        tdraw.line((x, bottom, x, bottom + 3), fill=(0, 0, 0, 255))
        labels.append((x, bottom + 4, f"{int(v):,}", (0, 0, 0), "ma"))
    for x, y, t, colour, anchor in labels:
        tdraw.text((x, y), t, fill=colour + (255,), font=_font(10), anchor=anchor)
    return CurvesBackground(plot=canvas, text=text, curves=tuple(curves), tops=tuple(tops), span=span)


def draw_curves(bg: CurvesBackground, upto: int) -> np.ndarray:
    """uint8 [H, W, 3]: the run's curves in colour up to step `upto`, a red cursor line at it."""
    canvas = bg.plot.copy()
    draw = ImageDraw.Draw(canvas)
    for colour, steps, pixels in bg.curves:
        done = pixels[steps <= upto]
        if len(done) > 1:
            draw.line([tuple(q) for q in done.tolist()], fill=colour, width=round(1.5 * SS))
    side = WIDTH - LEFT - RIGHT
    cursor = (LEFT + min(upto, bg.span) / bg.span * side) * SS
    for top in bg.tops:
        draw.line((cursor, top * SS, cursor, (top + PANEL_H) * SS), fill=(215, 48, 39), width=SS)
    image = canvas.reduce(SS)
    image.paste(bg.text, (0, 0), bg.text)
    return np.asarray(image)
