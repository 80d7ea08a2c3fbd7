"""The GAN Lab view of a 2D GAN, as arrays: what G and D are doing to the plane.

`compute_field(gan)` returns plain numpy arrays (cheap to copy into a snapshot, no plotting):
real points, fake points, D's output on a 30x30 grid (its decision "heat map"), G's image of a
20x20 grid in noise space (how G warps the noise plane), and the direction each fake point is
pushed by G's loss gradient (the arrows).
"""

from __future__ import annotations

import numpy as np
import torch

from gan_core import losses

HEAT_RES = 30  # GAN Lab's D heat map resolution
MANIFOLD_RES = 20  # GAN Lab's G manifold grid


def plot_bounds(gan) -> tuple[float, float, float, float]:
    """A square view that holds the real data with a margin: (xmin, xmax, ymin, ymax)."""
    x = gan.data.x
    lo, hi = x.min(0).values, x.max(0).values
    centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2 * 1.25 + 0.1
    cx, cy = float(centre[0]), float(centre[1])
    return cx - half, cx + half, cy - half, cy + half


def _d_on_points(gan, pts: torch.Tensor) -> torch.Tensor:
    """D's output for single points; with PacGAN each point is packed with copies of itself."""
    m = gan.cfg.model.pack
    logits = gan.D(pts.repeat_interleave(m, 0))
    return losses.d_output(gan.cfg.loss.objective, logits)


def noise_grid(gan, res: int = MANIFOLD_RES) -> torch.Tensor:
    """A res x res grid over the first two noise dimensions (others 0): [res*res, nz]."""
    return noise_plane(gan.cfg.model.nz, gan.cfg.model.noise, res, gan.device)


def noise_plane(nz: int, noise: str, res: int = MANIFOLD_RES, device=None) -> torch.Tensor:
    """noise_grid for a noise distribution ("normal": -2..2, "uniform": -1..1): [res*res, nz]."""
    span = 1.0 if noise == "uniform" else 2.0
    t = torch.linspace(-span, span, res, device=device)
    gx, gy = torch.meshgrid(t, t, indexing="ij")
    z = torch.zeros(res * res, nz, device=device)
    z[:, 0] = gx.flatten()
    if nz > 1:
        z[:, 1] = gy.flatten()
    return z


def compute_field(gan, fixed_z: torch.Tensor, n_real: int = 500) -> dict[str, np.ndarray | float | tuple]:
    """Arrays for the 2D field view. fixed_z [F, nz] keeps the fake points comparable across frames."""
    was_training = gan.G.training, gan.D.training
    gan.G.eval()
    gan.D.eval()
    try:
        xmin, xmax, ymin, ymax = plot_bounds(gan)
        with torch.no_grad():
            xs = torch.linspace(xmin, xmax, HEAT_RES, device=gan.device)
            ys = torch.linspace(ymin, ymax, HEAT_RES, device=gan.device)
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # heat[i, j] is at (xs[j], ys[i])
            heat = _d_on_points(gan, torch.stack([gx.flatten(), gy.flatten()], 1)).view(HEAT_RES, HEAT_RES)
            manifold = gan.G_eval(noise_grid(gan)).view(MANIFOLD_RES, MANIFOLD_RES, 2)
            real = gan.data.x[:n_real]
        # the arrows: -dL_G/dx at each fake point = where G's loss would move that point
        fake = gan.G_eval(fixed_z).detach().requires_grad_(True)
        with torch.enable_grad():
            loss = losses.g_loss(gan.cfg.loss.objective, gan.D(fake.repeat_interleave(gan.cfg.model.pack, 0)))
            (grad,) = torch.autograd.grad(loss, fake)
        gan.D.zero_grad(set_to_none=True)
        return {
            "bounds": (xmin, xmax, ymin, ymax),
            "real": real.cpu().numpy(),  # [n_real, 2]
            "fake": fake.detach().cpu().numpy(),  # [F, 2]
            "fake_d": _d_on_points(gan, fake.detach()).detach().cpu().numpy(),  # [F]
            "arrows": (-grad).cpu().numpy(),  # [F, 2], unscaled
            "heat": heat.cpu().numpy(),  # [30, 30], rows = y
            "manifold": manifold.cpu().numpy(),  # [20, 20, 2]
            "probability": losses.d_output_kind(gan.cfg.loss.objective) == "probability",
            "centers": None if gan.data.centers is None else gan.data.centers.cpu().numpy(),
        }
    finally:
        gan.G.train(was_training[0])
        gan.D.train(was_training[1])
