"""A sample grid made small for the class board (a 2D run's thumbnail is drawn in the browser from its
numbers: ui/live_view/payload.py `thumbnail`)."""

from __future__ import annotations

import numpy as np
from PIL import Image

THUMB_SIDE = 160  # px: about a thumbnail's width on a 1920 px projector with 8 to 10 runs a row


def shrink(image: np.ndarray, max_side: int = THUMB_SIDE) -> np.ndarray:
    """A picture [H, W, 3] box-averaged by the smallest whole factor that brings it to <= max_side."""
    k = -(-max(image.shape[:2]) // max_side)  # ceil
    if k <= 1:
        return image
    return np.array(Image.fromarray(np.ascontiguousarray(image)).reduce(k))
