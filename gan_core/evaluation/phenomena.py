"""What else goes wrong, measured: pure functions for the phenomena lessons (docs/PHENOMENA.md).

Each takes arrays a run already produces (the Train tab's field, per-step numbers, samples of G
from fixed noise) and returns one float. Inputs are numpy arrays or torch tensors; the sums are
in float64.

- value_range      D's (critic's) spread of values on the field grid: a clipped critic's is tiny
- linear_fit_r2    how much of D's map a tilted plane explains: 1 = an overly simple critic
- tail_mean/std    a per-step number over the last part of a run: G's gradient norm, D(x)
- sample_drift     how far G's samples of the same z moved between two checkpoints
- memorisation_ratio  samples' distance to the nearest training image over real images' to theirs
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gan_core.evaluation.knn import as_numpy


def value_range(heat) -> float:
    """max - min of D's output over the field grid (heat [H, W]: compute_field's "heat")."""
    h = as_numpy(heat, "heat", ndim=2)
    return float(h.max() - h.min())


def linear_fit_r2(heat) -> float:
    """R^2 of the least-squares plane a + b*col + c*row fitted to heat [H, W]:
    1 - sum (h - fit)^2 / sum (h - mean h)^2. A flat map (no variance) counts as 1: nothing but a plane."""
    h = as_numpy(heat, "heat", ndim=2)
    rows, cols = np.mgrid[0:h.shape[0], 0:h.shape[1]]
    A = np.stack([np.ones(h.size), cols.ravel(), rows.ravel()], 1).astype(np.float64)  # [H*W, 3]
    coef, *_ = np.linalg.lstsq(A, h.ravel(), rcond=None)
    total = float(((h - h.mean()) ** 2).sum())
    if total == 0.0:
        return 1.0
    return 1.0 - float(((h.ravel() - A @ coef) ** 2).sum()) / total


def _tail(values, share: float) -> np.ndarray:
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1]; got {share}")
    v = as_numpy(values, "values", ndim=1)
    if len(v) == 0:
        raise ValueError("no values")
    return v[len(v) - max(1, int(round(share * len(v)))):]


def tail_mean(values, share: float = 0.1) -> float:
    """Mean of the last `share` of a series (values [T], oldest first; at least one value)."""
    return float(_tail(values, share).mean())


def tail_std(values, share: float = 0.1) -> float:
    """Population std-dev of the last `share` of a series: how much it still swings at the end."""
    return float(_tail(values, share).std())


def sample_drift(before, after) -> float:
    """Mean Euclidean distance each sample moved: before, after [n, ...] are G(z) for the same z."""
    a, b = as_numpy(before, "before", ndim=None), as_numpy(after, "after", ndim=None)
    if a.shape != b.shape:
        raise ValueError(f"before and after must have the same shape; got {a.shape} and {b.shape}")
    return float(np.linalg.norm((b - a).reshape(len(a), -1), axis=1).mean())


def memorisation_ratio(nearest_training: dict) -> float:
    """diagnose's report["nearest_training"]: the median distance of G's samples to their nearest
    training image over the median distance of real images to their nearest *other* training image.
    Under diagnostics.MEMORISATION_RATIO (0.5) G's samples are closer to the training set than the
    data is to itself: copies."""
    return nearest_training["median_distance"] / nearest_training["real_median_distance"]


# -- the claims (docs/PHENOMENA.md; scripts/phenomena_experiment.py measures them, the class board quotes them) --

@dataclass(frozen=True)
class Claim:
    measure: str  # a key of the result rows
    words: str  # what the measure is, for the table
    phenomenon: tuple[str, float]  # ("<" or ">", threshold): the phenomenon's preset shows it
    cure: tuple[str, float]  # the same for the cure's preset


# Decided from the mechanism (and a one-seed pilot where noted in docs/PHENOMENA.md), before the 5-seed runs.
CLAIMS: dict[str, Claim] = {
    "saturation": Claim("grad_norm_g_end", "G's gradient norm, mean of the last 10% of steps",
                        ("<", 0.01), (">", 1.0)),
    "wgan-clip": Claim("d_range", "the critic's value range (max - min) on the field's 30x30 grid",
                       ("<", 0.1), (">", 1.0)),
    "oscillation": Claim("d_real_swing", "std-dev of D(x) over the last third of the run (readings every 10 steps)",
                         (">", 0.03), ("<", 0.01)),
    "d-overpowers": Claim("d_gap_end", "D(x) - D(G(z)), mean of the last 10% of steps", (">", 0.6), ("<", 0.4)),
    "memorise": Claim("memorisation_ratio", "G's samples' median distance to the nearest training image over real "
                      "images' to the nearest other one", ("<", 0.5), (">", 0.5)),
}


def passes(value: float | None, test: tuple[str, float]) -> bool:
    op, threshold = test
    return value is not None and (value < threshold if op == "<" else value > threshold)
