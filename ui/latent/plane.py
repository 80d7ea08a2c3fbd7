"""The data plane of a 2D GAN as a picture that a slider can move a point across, fast.

Matplotlib draws the plane once per source (real data, G's cloud of samples, axes); then the
slider path only paints a marker into a copy of that raster with numpy, thousands of times
cheaper than drawing the figure again (docs/LATENT_LATENCY.md). Interpolation paths, drawn
once per click, use matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REAL_COLOR, FAKE_COLOR, MARK_COLOR = "#1a9850", "#762a83", "#e66101"
MARK_RGB = np.array([0xE6, 0x61, 0x01], dtype=np.uint8)
SIZE_IN, DPI = 4.0, 80  # 320 x 320 pixels
N_REAL, N_CLOUD = 2000, 500


def _raster(fig: Figure) -> np.ndarray:
    """Figure -> uint8 RGB [H, W, 3] (Agg, no pyplot)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def view_bounds(real: np.ndarray, cloud: np.ndarray) -> tuple[float, float, float, float]:
    """A square (xmin, xmax, ymin, ymax) holding the real data and most of G's samples, with a margin."""
    lo = np.minimum(real.min(0), np.percentile(cloud, 1, axis=0))
    hi = np.maximum(real.max(0), np.percentile(cloud, 99, axis=0))
    centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2 * 1.2 + 0.1
    return centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half


@dataclass
class PlaneCanvas:
    real: np.ndarray  # [N, 2] real points drawn behind
    cloud: np.ndarray  # [M, 2] G(z) for random z: where G puts its mass
    bounds: tuple[float, float, float, float]
    background: np.ndarray  # uint8 [H, W, 3]
    transform: object  # matplotlib data -> display (pixels, origin bottom-left)

    @classmethod
    @torch.no_grad()
    def for_source(cls, source) -> "PlaneCanvas":
        real = source.real_data().x[:N_REAL].cpu().numpy()
        z = source.sample_z(N_CLOUD, seed=12345)
        cloud = source.generate(z).cpu().numpy()
        bounds = view_bounds(real, cloud)
        fig, ax = _plane_figure(real, cloud, bounds, "drag the sliders: the orange point is G(z)")
        ax.scatter([], [], s=60, c=MARK_COLOR, edgecolors="black", label="G(z) for your z")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.85)
        background = _raster(fig)
        return cls(real, cloud, bounds, background, ax.transData.frozen())

    def to_pixels(self, points: np.ndarray) -> np.ndarray:
        """Data points [n, 2] -> (column, row) pixel positions [n, 2] in the raster (row 0 at the top)."""
        disp = self.transform.transform(np.asarray(points, dtype=np.float64).reshape(-1, 2))
        return np.stack([disp[:, 0], self.background.shape[0] - disp[:, 1]], 1)

    def with_points(self, points: np.ndarray, radius: int = 7) -> np.ndarray:
        """A copy of the background with a marker (black rim, orange disc) at each point [n, 2].
        Points outside the view are pinned to its edge, so the marker never disappears."""
        img = self.background.copy()
        h, w, _ = img.shape
        xmin, xmax, ymin, ymax = self.bounds
        pts = np.clip(np.asarray(points, dtype=np.float64).reshape(-1, 2), [xmin, ymin], [xmax, ymax])
        for col, row in self.to_pixels(pts):
            r0, r1 = max(int(row) - radius, 0), min(int(row) + radius + 1, h)
            c0, c1 = max(int(col) - radius, 0), min(int(col) + radius + 1, w)
            rr, cc = np.mgrid[r0:r1, c0:c1]
            d2 = (rr - row) ** 2 + (cc - col) ** 2
            img[r0:r1, c0:c1][d2 <= radius**2] = 0  # rim
            img[r0:r1, c0:c1][d2 <= (radius - 2) ** 2] = MARK_RGB
        return img

    def with_paths(self, paths: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> np.ndarray:
        """The plane with G's image of latent paths drawn on it (one click, so matplotlib is fine).
        paths: label -> (dense curve [M, 2], frame points [T, 2]); the first label gets the main colour."""
        fig, ax = _plane_figure(self.real, self.cloud, self.bounds, title)
        for (label, (curve, frames)), color in zip(paths.items(), (MARK_COLOR, "#2166ac")):
            ax.plot(curve[:, 0], curve[:, 1], color=color, lw=1.8, label=label)
            ax.scatter(frames[:, 0], frames[:, 1], s=22, c=color, edgecolors="black", linewidths=0.5, zorder=3)
            ax.annotate("A", frames[0], xytext=(4, 4), textcoords="offset points", fontsize=9, weight="bold")
            ax.annotate("B", frames[-1], xytext=(4, 4), textcoords="offset points", fontsize=9, weight="bold")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.85)
        return _raster(fig)


def _plane_figure(real: np.ndarray, cloud: np.ndarray, bounds, title: str):
    fig = Figure(figsize=(SIZE_IN, SIZE_IN), dpi=DPI)
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(real[:, 0], real[:, 1], s=3, c=REAL_COLOR, alpha=0.35, label="real data", rasterized=True)
    ax.scatter(cloud[:, 0], cloud[:, 1], s=3, c=FAKE_COLOR, alpha=0.35, label="G(z), random z", rasterized=True)
    xmin, xmax, ymin, ymax = bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig, ax
