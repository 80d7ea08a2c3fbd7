"""Pictures as data: sample grids as uint8 arrays, plots as `matplotlib.figure.Figure`.

Never pyplot: its global state is not thread-safe and the app serves many sessions at once.
The live 2D field (GAN Lab's layers) is drawn straight into pixels by `field_draw.draw_field`:
matplotlib's layout and text are too slow to redraw every second beside training.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import torch
from matplotlib.figure import Figure

from gan_core.pictures.field import compute_field

if TYPE_CHECKING:
    from gan_core.gan import GAN


def image_grid(x: torch.Tensor | np.ndarray, nrow: int = 8, pad: int = 2, min_side: int = 320) -> np.ndarray:
    """Images [N, C, H, W] in [-1, 1] -> one uint8 RGB grid [H', W', 3], upscaled (nearest) so
    tiny images (8x8 digits) are visible: each image is blown up by an integer factor."""
    x = torch.as_tensor(x).detach().float().cpu()
    n, c, h, w = x.shape
    ncol = min(nrow, n)
    nrows = -(-n // ncol)
    scale = max(1, min_side // (ncol * (w + pad)))
    x = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if c == 1:
        x = x.expand(-1, 3, -1, -1)
    x = x.repeat_interleave(scale, 2).repeat_interleave(scale, 3)  # [N, 3, h*s, w*s]
    hs, ws, p = h * scale, w * scale, pad
    grid = torch.full((3, nrows * (hs + p) + p, ncol * (ws + p) + p), 40, dtype=torch.uint8)
    for i in range(n):
        r, col = divmod(i, ncol)
        grid[:, p + r * (hs + p): p + r * (hs + p) + hs, p + col * (ws + p): p + col * (ws + p) + ws] = x[i]
    return grid.permute(1, 2, 0).numpy()


def png_bytes(image: np.ndarray, compress_level: int = 6) -> bytes:
    """uint8 [H, W, 3] -> PNG file bytes (zlib level 6 is PIL's default; 1 encodes about twice as
    fast for ~15% more bytes on our pictures)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def points_figure(fake: np.ndarray, real: np.ndarray | None = None, title: str = "", size: float = 4.5) -> Figure:
    """Generated 2D points (purple) over the real data (green)."""
    fig = Figure(figsize=(size, size), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=4, c="#1a9850", alpha=0.35, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, c="#762a83", alpha=0.6, label="generated")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def figure_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def render_visuals(gan: GAN, fixed_z: torch.Tensor, fixed_y: torch.Tensor | None) -> dict:
    """Sample grid (images) or field arrays (2D) from fixed noise, with G in eval mode."""
    if gan.data.is_points:
        return {"samples": None, "field": compute_field(gan, fixed_z)}
    G = gan.G_eval
    was = G.training
    G.eval()
    with torch.no_grad():
        x = G(fixed_z, fixed_y)
    G.train(was)
    return {"samples": image_grid(x, nrow=gan.num_classes or 8), "field": None}
