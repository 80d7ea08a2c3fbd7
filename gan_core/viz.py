"""Pictures as data: sample grids as uint8 arrays, plots as `matplotlib.figure.Figure`.

Never pyplot: its global state is not thread-safe and the app serves many sessions at once.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from matplotlib.figure import Figure

FIELD_LAYERS = ("real", "fake", "heat", "manifold", "arrows")


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


def png_bytes(image: np.ndarray) -> bytes:
    """uint8 [H, W, 3] -> PNG file bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def field_figure(field: dict, layers=FIELD_LAYERS, title: str = "", size: float = 5.0) -> Figure:
    """GAN Lab's layered 2D view. Green = real, purple = fake; the background is D's output
    (bright where D says "real"); grey lines = G's image of a square noise grid; arrows = the
    direction G's loss pushes each fake point."""
    fig = Figure(figsize=(size, size), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    xmin, xmax, ymin, ymax = field["bounds"]
    if "heat" in layers:
        vmin, vmax = (0.0, 1.0) if field["probability"] else (None, None)
        im = ax.imshow(field["heat"], origin="lower", extent=(xmin, xmax, ymin, ymax), cmap="PuOr_r",
                       vmin=vmin, vmax=vmax, alpha=0.55, interpolation="bilinear", aspect="auto")
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
        cb.set_label("D(x): P(real)" if field["probability"] else "critic score D(x)")
    if "manifold" in layers:
        m = field["manifold"]  # [20, 20, 2]
        for k in range(m.shape[0]):
            ax.plot(m[k, :, 0], m[k, :, 1], color="0.35", lw=0.6, alpha=0.7)
            ax.plot(m[:, k, 0], m[:, k, 1], color="0.35", lw=0.6, alpha=0.7)
    if "real" in layers:
        ax.scatter(field["real"][:, 0], field["real"][:, 1], s=5, c="#1a9850", alpha=0.6, label="real")
    if "fake" in layers:
        ax.scatter(field["fake"][:, 0], field["fake"][:, 1], s=7, c="#762a83", alpha=0.8, label="fake G(z)")
    if "arrows" in layers:
        a = field["arrows"]
        norm = np.linalg.norm(a, axis=1, keepdims=True)
        scale = 0.06 * (xmax - xmin) / max(float(np.percentile(norm, 90)), 1e-12)
        a = np.clip(a * scale, -0.15 * (xmax - xmin), 0.15 * (xmax - xmin))
        f = field["fake"]
        ax.quiver(f[:, 0], f[:, 1], a[:, 0], a[:, 1], angles="xy", scale_units="xy", scale=1, color="#d73027",
                  width=0.003, alpha=0.8)
    if field.get("centers") is not None:
        c = field["centers"]
        ax.scatter(c[:, 0], c[:, 1], marker="x", s=30, c="black", lw=1, label="mode centres")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_title(title or "real (green), fake (purple), D's view (background)", fontsize=10)
    if any(k in layers for k in ("real", "fake")):
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    fig.tight_layout()
    return fig


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
