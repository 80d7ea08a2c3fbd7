"""The picture of one slow-motion phase (gan_core/slow_motion.py Frame) as uint8 RGB [H, W, 3].

2D data: the GAN Lab field of the phase with the layers it shows (gan_core/pictures/field_draw.py).
Images: the batch's samples as tiles with D's score under each (green: D says real, purple: fake),
real ones on top, fakes below; in phase 9 the fakes' gradient maps (red: pixels G's loss wants
brighter, blue: darker) under the first row of fakes. numpy + PIL, a few ms a frame.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageDraw

from gan_core.pictures.field_draw import PICTURE_WIDTH, _font, draw_field
from gan_core.slow_motion import PHASES, Frame

COLS = 8  # tiles per row
PAD, GAP, LABEL_H, SCORE_H, TITLE_H = 8, 4, 18, 15, 24  # px at the default width
REAL_RGB, FAKE_RGB, EMPTY_RGB = (26, 152, 80), (118, 42, 131), (225, 225, 225)


def frame_title(frame: Frame) -> str:
    return f"step {frame.step:,} · phase {frame.phase}/{len(PHASES)}: {PHASES[frame.phase - 1]}"


def frame_picture(frame: Frame, width: int = PICTURE_WIDTH) -> np.ndarray:
    if frame.field is not None:
        return draw_field(frame.field, frame.layers, title=frame_title(frame), width=width)
    return _images_picture(frame, width)


def _tile(x: np.ndarray, side: int) -> Image.Image:
    """One image [C, H, W] in [-1, 1] as an RGB tile side x side (nearest: pixels stay crisp)."""
    x = torch.as_tensor(x)
    a = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    a = a.expand(3, -1, -1) if a.shape[0] == 1 else a[:3]
    return Image.fromarray(a.permute(1, 2, 0).numpy()).resize((side, side), Image.NEAREST)


def _grad_tile(g: np.ndarray, side: int) -> Image.Image:
    """-dL_G/dx of one image [C, H, W] as a diverging map: red where G's loss wants the pixel brighter."""
    g = torch.as_tensor(g).sum(0)  # [H, W]
    g = g / g.abs().max().clamp_min(1e-12)  # [-1, 1], each sample its own scale
    pos, neg = g.clamp(min=0), (-g).clamp(min=0)
    rgb = torch.stack([1 - neg, 1 - pos - neg, 1 - pos], dim=2).clamp(0, 1)  # white -> red (+) / blue (-)
    return Image.fromarray((rgb * 255).round().to(torch.uint8).numpy()).resize((side, side), Image.NEAREST)


def _score_colour(score: float, probability: bool) -> tuple[int, int, int]:
    """Purple (fake) to green (real): a probability as it is, a raw score through a sigmoid."""
    t = score if probability else 1 / (1 + np.exp(-score))
    t = float(np.clip(t, 0, 1)) if np.isfinite(t) else 0.5
    return tuple(round(f + (r - f) * t) for r, f in zip(REAL_RGB, FAKE_RGB))


def _row(canvas, draw, y: int, tiles: list, scores, probability: bool, side: int, k: float) -> int:
    """A row of tiles from the left, each with its score beneath (or an empty tile); returns the next y."""
    font = _font(round(10 * k))
    for i in range(COLS):
        x = round(PAD * k) + i * (side + round(GAP * k))
        if i < len(tiles) and tiles[i] is not None:
            canvas.paste(tiles[i], (x, y))
        else:
            draw.rectangle((x, y, x + side - 1, y + side - 1), fill=EMPTY_RGB)
        if scores is not None and i < len(scores):
            s = float(scores[i])
            box = (x, y + side, x + side - 1, y + side + round(SCORE_H * k) - 1)
            draw.rectangle(box, fill=_score_colour(s, probability))
            draw.text((x + side / 2, y + side + SCORE_H * k / 2), f"{s:.2f}", fill=(255, 255, 255), font=font,
                      anchor="mm")
    return y + side + round(SCORE_H * k) + round(GAP * k)


def _images_picture(frame: Frame, width: int) -> np.ndarray:
    im = frame.images
    k = width / PICTURE_WIDTH
    side = (width - 2 * round(PAD * k) - (COLS - 1) * round(GAP * k)) // COLS
    probability = bool(im.get("probability", True))
    fakes = list(im["fake"])
    rows = [("real samples x", "D(x)" if im["real_score"] is not None else "", im["real"], im["real_score"], False)]
    if im["grad"] is not None:  # phase 9: 8 fakes, and beneath them where G's loss pushes their pixels
        rows += [("fakes G(z)", "D(G(z))", fakes[:COLS], im["fake_score"], False),
                 ("-dLoss_G/dx: red = brighter, blue = darker", "", list(im["grad"][:COLS]), None, True)]
    else:
        score = "D(G(z))" if im["fake_score"] is not None else ""
        rows += [("fakes G(z)", score, fakes[:COLS],
                  None if im["fake_score"] is None else im["fake_score"][:COLS], False),
                 ("", "", fakes[COLS:2 * COLS], None if im["fake_score"] is None else im["fake_score"][COLS:], False)]
    height = round(TITLE_H * k) + sum(round(LABEL_H * k) * bool(r[0]) + side + round((SCORE_H + GAP) * k)
                                      for r in rows) + round(PAD * k)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.text((width / 2, TITLE_H * k / 2 + 2), frame_title(frame), fill=(0, 0, 0), font=_font(round(12 * k)),
              anchor="mm")
    y = round(TITLE_H * k)
    for label, score_label, xs, scores, is_grad in rows:
        if label:
            text = label + (f"  ·  under each: {score_label}" if score_label else "")
            draw.text((round(PAD * k), y + LABEL_H * k / 2), text, fill=(60, 60, 60), font=_font(round(11 * k)),
                      anchor="lm")
            y += round(LABEL_H * k)
        tiles = [] if xs is None else [(_grad_tile if is_grad else _tile)(x, side) for x in xs]
        y = _row(canvas, draw, y, tiles, scores, probability, side, k)
    return np.asarray(canvas)
