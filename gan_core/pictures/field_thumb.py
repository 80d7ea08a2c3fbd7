"""Thumbnails for the class board: a run's picture, small and cheap (well under a millisecond each).

The board shows thirty runs at once, refreshed every couple of seconds, on a server whose cores
train those runs: decoding each run's full 460 px picture and shrinking it would cost more than
drawing a small one afresh. So a 2D field is drawn straight from its arrays (D's heat map, real
points, fake points: the layers a glance from the back of the room can read) and a sample grid is
shrunk by a whole factor (a box average).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from gan_core.pictures.field_draw import FAKE, REAL, heat_levels, heat_lut, to_pixels

THUMB_SIDE = 160  # px: about a thumbnail's width on a 1920 px projector with 8 to 10 runs a row


def field_thumbnail(field: dict, side: int = THUMB_SIDE) -> np.ndarray:
    """The 2D field as uint8 [side, side, 3]: D's heat map, real points (green), fakes (purple, on top)."""
    heat = np.nan_to_num(np.asarray(field["heat"], dtype=np.float32))[::-1]  # [30, 30], row 0 = top = ymax
    lo, hi = heat_levels(field)
    level = np.clip((heat - lo) * (255 / (hi - lo)) + 0.5, 0, 255).astype(np.uint8)
    small = Image.fromarray(heat_lut()[level], "RGB")  # [30, 30, 3], coloured
    image = np.array(small.resize((side, side), Image.BILINEAR))
    for key, colour, radius in (("real", REAL, 1), ("fake", FAKE, 1)):
        points = np.asarray(field[key], dtype=np.float64).reshape(-1, 2)
        pix = to_pixels(points, field["bounds"], side)
        pix = np.round(pix[np.isfinite(pix).all(1)]).astype(np.int64)
        for dr in range(-radius, radius + 1):  # a (2r+1)^2 square per point
            for dc in range(-radius, radius + 1):
                r, c = pix[:, 1] + dr, pix[:, 0] + dc
                inside = (r >= 0) & (r < side) & (c >= 0) & (c < side)
                image[r[inside], c[inside]] = colour
    return image


def shrink(image: np.ndarray, max_side: int = THUMB_SIDE) -> np.ndarray:
    """A picture [H, W, 3] box-averaged by the smallest whole factor that brings it to <= max_side."""
    k = -(-max(image.shape[:2]) // max_side)  # ceil
    if k <= 1:
        return image
    return np.array(Image.fromarray(np.ascontiguousarray(image)).reduce(k))
