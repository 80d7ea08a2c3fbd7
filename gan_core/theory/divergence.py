"""The optimal discriminator, the Jensen-Shannon divergence and the Wasserstein-1 distance, in 1D.

For a fixed G the D that maximises
    V(D, G) = E_{x~p_data}[log D(x)] + E_{x~p_g}[log(1 - D(x))]
is, pointwise, D*(x) = p_data(x) / (p_data(x) + p_g(x))           (Goodfellow et al. 2014, Prop. 1)
and then
    V(D*, G) = -log 4 + 2 JSD(p_data || p_g)                      (their Thm. 1)
    JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m),   m = (p + q) / 2,   0 <= JSD <= log 2.
When p_data and p_g have disjoint supports JSD = log 2 wherever G sits, so its gradient is 0;
the Wasserstein-1 distance
    W1(p, q) = integral |F_p(x) - F_q(x)| dx        (F = the cumulative distribution, 1D only)
keeps growing with the gap (Arjovsky, Chintala, Bottou 2017, Example 1 and Figures 1-2).

How it is computed: the x axis is cut into cells, and each distribution becomes the probability
mass of every cell, CDF(right edge) - CDF(left edge). Sums over cells then replace integrals
without a density ever being evaluated at a jump (a uniform's edge): identical distributions give
exactly 0, disjoint ones exactly log 2, and for smooth densities the sums converge to the integrals
as the cells shrink. Units: nats (natural log).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOG2 = math.log(2.0)
LOG4 = math.log(4.0)
SHAPES = ("gaussian", "uniform")


@dataclass(frozen=True)
class Dist1D:
    """A 1D distribution given by its mean and standard deviation."""

    shape: str = "gaussian"  # "gaussian", or "uniform" on [mean - sqrt(3) std, mean + sqrt(3) std]
    mean: float = 0.0
    std: float = 1.0  # > 0; for the uniform, its width is sqrt(12) std

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {self.shape!r}.")
        if not (math.isfinite(self.mean) and math.isfinite(self.std)) or self.std <= 0:
            raise ValueError(f"a distribution needs a finite mean and a std > 0; got mean {self.mean}, std {self.std}.")

    @property
    def half_width(self) -> float:
        """Half the uniform's support (sqrt(3) std gives it the std asked for)."""
        return math.sqrt(3.0) * self.std

    def support(self, tails: float = 6.0) -> tuple[float, float]:
        """An interval holding all the mass (uniform) or all but ~1e-9 of it (Gaussian, +-6 std)."""
        r = self.half_width if self.shape == "uniform" else tails * self.std
        return self.mean - r, self.mean + r

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """F(x), same shape as x."""
        x = np.asarray(x, dtype=np.float64)
        if self.shape == "uniform":
            lo = self.mean - self.half_width
            return np.clip((x - lo) / (2 * self.half_width), 0.0, 1.0)
        from scipy.special import ndtr  # the standard normal CDF, accurate in the tails

        return ndtr((x - self.mean) / self.std)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density p(x), same shape as x (for drawing; the sums below use cell masses)."""
        x = np.asarray(x, dtype=np.float64)
        if self.shape == "uniform":
            return np.where(np.abs(x - self.mean) <= self.half_width, 1.0 / (2 * self.half_width), 0.0)
        return np.exp(-0.5 * ((x - self.mean) / self.std) ** 2) / (self.std * math.sqrt(2 * math.pi))


def grid_for(*dists: Dist1D, n_cells: int = 4000) -> np.ndarray:
    """Cell edges [n_cells + 1] covering every distribution's support, with a small margin."""
    if n_cells < 10:
        raise ValueError(f"n_cells must be at least 10; got {n_cells}.")
    lo = min(d.support()[0] for d in dists)
    hi = max(d.support()[1] for d in dists)
    pad = 0.05 * (hi - lo)
    return np.linspace(lo - pad, hi + pad, n_cells + 1)


def cell_masses(dist: Dist1D, edges: np.ndarray) -> np.ndarray:
    """P(x in cell i) for each cell: [n_cells], sums to ~1 when the edges cover the support."""
    return np.diff(dist.cdf(edges))


def optimal_d(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g), elementwise; NaN where both are 0 (any D is optimal there).
    Works on densities or on cell masses of the same cells (the cell width cancels)."""
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p_data + p_g
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), np.nan)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log y with 0 log 0 = 0 (and 0 log anything = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def value(m_data: np.ndarray, m_g: np.ndarray, d: np.ndarray) -> float:
    """V(D, G) = sum_i m_data[i] log D[i] + m_g[i] log(1 - D[i]) over cells (masses [n], D [n])."""
    d = np.nan_to_num(np.asarray(d, dtype=np.float64), nan=0.5)  # cells with no mass: D is irrelevant
    return float(np.sum(_xlogy(m_data, d)) + np.sum(_xlogy(m_g, 1.0 - d)))


def value_at_optimal_d(m_data: np.ndarray, m_g: np.ndarray) -> float:
    """V(D*, G) from the masses: D* = m_data / (m_data + m_g) and 1 - D* = m_g / (m_data + m_g) written
    as ratios, so a D* that rounds to 1 where p_g is tiny still gives a finite log(1 - D*)."""
    total = m_data + m_g
    return float(np.sum(_xlogy(m_data, m_data / np.where(total > 0, total, 1.0)))
                 + np.sum(_xlogy(m_g, m_g / np.where(total > 0, total, 1.0))))


def jsd(m_data: np.ndarray, m_g: np.ndarray) -> float:
    """JSD(p_data || p_g) in nats from cell masses [n] (or [..., n]: one JSD per row)."""
    m_data, m_g = np.asarray(m_data, dtype=np.float64), np.asarray(m_g, dtype=np.float64)
    mix = 0.5 * (m_data + m_g)
    # 1/2 KL(p||m) + 1/2 KL(q||m) = 1/2 sum p log(p/m) + 1/2 sum q log(q/m)
    out = 0.5 * (np.sum(_xlogy(m_data, m_data) - _xlogy(m_data, mix), axis=-1)
                 + np.sum(_xlogy(m_g, m_g) - _xlogy(m_g, mix), axis=-1))
    return np.clip(out, 0.0, LOG2) if np.ndim(out) else float(min(max(out, 0.0), LOG2))


def w1(p: Dist1D, q: Dist1D, edges: np.ndarray) -> float:
    """W1(p, q) = integral |F_p - F_q| dx by the trapezoid rule on the edges [n + 1]."""
    gap = np.abs(p.cdf(edges) - q.cdf(edges))
    return float(np.sum(0.5 * (gap[1:] + gap[:-1]) * np.diff(edges)))


@dataclass(frozen=True)
class Divergences:
    """Everything the lesson shows for one (p_data, p_g) pair."""

    jsd: float  # JSD(p_data || p_g), nats, in [0, log 2]
    value: float  # V(D*, G) = -log 4 + 2 JSD
    w1: float  # Wasserstein-1 distance


def divergences(p_data: Dist1D, p_g: Dist1D, n_cells: int = 4000) -> Divergences:
    """JSD, V(D*, G) (computed from D*, not from the JSD) and W1 on a grid covering both."""
    edges = grid_for(p_data, p_g, n_cells=n_cells)
    m_data, m_g = cell_masses(p_data, edges), cell_masses(p_g, edges)
    return Divergences(jsd=jsd(m_data, m_g), value=value_at_optimal_d(m_data, m_g),
                       w1=w1(p_data, p_g, edges))


def sweep_mean(p_data: Dist1D, p_g: Dist1D, means: np.ndarray, n_cells: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """JSD and W1 as G's mean moves over `means` [k] (its shape and std fixed): two arrays [k].
    One grid covers every position, so all k are one vectorised sum of [k, n_cells]."""
    means = np.asarray(means, dtype=np.float64)
    ends = [Dist1D(p_g.shape, float(m), p_g.std) for m in (means.min(), means.max())]
    edges = grid_for(p_data, *ends, n_cells=n_cells)  # [n + 1]
    shifted = edges[None, :] - (means[:, None] - p_g.mean)  # [k, n + 1]: F_g at x is F_g0 at x - shift
    cdf_g = p_g.cdf(shifted)  # [k, n + 1]
    cdf_data = p_data.cdf(edges)  # [n + 1]
    js = jsd(np.diff(cdf_data)[None, :], np.diff(cdf_g, axis=1))  # [k]
    gap = np.abs(cdf_g - cdf_data[None, :])
    w = np.sum(0.5 * (gap[:, 1:] + gap[:, :-1]) * np.diff(edges)[None, :], axis=1)  # [k]
    return np.asarray(js, dtype=np.float64), w


def slope(fn, x: float, h: float = 1e-3) -> float:
    """d fn / dx by a central difference (how the JSD or W1 changes as G's mean moves)."""
    return (fn(x + h) - fn(x - h)) / (2 * h)
