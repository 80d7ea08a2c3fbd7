"""GAN Lab's field (gan_core.pictures.field.compute_field) for many runs of a group at once.

The class process computes the field of every watched run once a second. One run at a time, each
field cost an export of the run's networks as modules (~2 ms) and a few small forward passes (~1
ms): with 100 students watching, ~0.3 s of every second of the loop that trains them. Here the
runs' rows are used where they are, stacked: one batched pass of D over each run's heat-map grid
[A, 900, 2], of G over the noise grid and over each run's fixed noise, and one backward for the
arrows (each run's loss only reaches its own points). The arrays are those of compute_field, run
by run (tests/live/test_batched_field.py checks them against it).
"""

from __future__ import annotations

import torch

from gan_core import losses
from gan_core.pictures.field import HEAT_RES, MANIFOLD_RES, noise_plane, plot_bounds
from live.classroom.batched import objectives


def copy_rows(group, run_ids: list[str]) -> dict[str, torch.Tensor]:
    """The rows a field needs, copied (take them under the host's lock; compute `fields` outside it)."""
    index = torch.tensor([group.slot(r) for r in run_ids], device=group.device)
    g_name = "G_ema" if group.key.ema > 0 else "G"  # G_eval: the EMA copy when there is one
    return {"G": group.rows[g_name].index_select(0, index), "D": group.rows["D"].index_select(0, index)}


def fields(group, rows: dict[str, torch.Tensor], fixed_z: list[torch.Tensor], data: list, n_real: int = 500) -> list:
    """Field dicts (as compute_field's) for the runs whose copied `rows` these are, in order; fixed_z
    [F, nz] and data (gan_core Dataset) per run."""
    k = group.key
    A, m = len(fixed_z), k.pack
    g_layers = group.G.layout.layers(rows["G"])
    d_layers = group.D.layout.layers(rows["D"])
    bounds = [plot_bounds(_WithData(d)) for d in data]
    with torch.no_grad():
        grids = []
        for xmin, xmax, ymin, ymax in bounds:
            xs = torch.linspace(xmin, xmax, HEAT_RES, device=group.device)
            ys = torch.linspace(ymin, ymax, HEAT_RES, device=group.device)
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # heat[i, j] is at (xs[j], ys[i])
            grids.append(torch.stack([gx.flatten(), gy.flatten()], 1))
        pts = torch.stack(grids)  # [A, 900, 2]
        heat = losses.d_output(k.objective, group.D(d_layers, pts.repeat_interleave(m, 1)))  # [A, 900]
        noise = noise_plane(k.nz, k.noise, MANIFOLD_RES, group.device)
        manifold = group.G(g_layers, noise.expand(A, -1, -1))  # [A, 400, 2]
        fake = group.G(g_layers, torch.stack(fixed_z).to(group.device))  # [A, F, 2]
        fake_d = losses.d_output(k.objective, group.D(d_layers, fake.repeat_interleave(m, 1)))  # [A, F]
    # the arrows: -dL_G/dx at each fake point, each run's loss over its own points
    fake = fake.detach().requires_grad_(True)
    with torch.enable_grad():
        loss = objectives.g_loss(k.objective, group.D(d_layers, fake.repeat_interleave(m, 1)))  # [A]
        (grad,) = torch.autograd.grad(loss.sum(), fake)
    out = []
    for i, d in enumerate(data):
        out.append({
            "bounds": bounds[i],
            "real": d.x[:n_real].cpu().numpy(),
            "fake": fake[i].detach().cpu().numpy(),
            "fake_d": fake_d[i].cpu().numpy(),
            "arrows": (-grad[i]).cpu().numpy(),
            "heat": heat[i].view(HEAT_RES, HEAT_RES).cpu().numpy(),
            "manifold": manifold[i].view(MANIFOLD_RES, MANIFOLD_RES, 2).cpu().numpy(),
            "probability": losses.d_output_kind(k.objective) == "probability",
            "centers": None if d.centers is None else d.centers.cpu().numpy(),
        })
    return out


class _WithData:
    """What plot_bounds reads of a GAN: its data."""

    def __init__(self, data):
        self.data = data
