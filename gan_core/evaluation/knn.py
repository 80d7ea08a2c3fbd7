"""Nearest-neighbour helpers behind the metrics: array conversion, k-NN radii, closest pairs.

Every distance here is Euclidean over rows. Big matrices are never built whole: we walk over
blocks of rows so that one block of the distance matrix stays near `_CHUNK_ELEMENTS` floats
(32 MiB in float64), which keeps 2,000 x 784 MNIST samples comfortable on a laptop.

Two ways of computing distances, on purpose:
- `scipy.spatial.distance.cdist` (one exact subtraction per pair) for the k-NN ball tests, so
  d(a, b) is bit-identical however the rows are chunked and "is y inside the ball" is never
  decided by rounding noise;
- the BLAS identity ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b for the raw-pixel searches (fast),
  after which the distances we report are recomputed exactly for the pairs we picked.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

_CHUNK_ELEMENTS = 1 << 22  # floats per distance block (4M float64 = 32 MiB)


def as_numpy(x, name: str = "array", ndim: int | None = 2) -> np.ndarray:
    """numpy array or torch tensor (any device or dtype) -> float64 numpy array, checked loudly."""
    if hasattr(x, "detach"):  # a torch tensor; this module does not import torch
        x = x.detach().cpu().double().numpy()  # note: a GPU -> CPU sync point
    x = np.asarray(x, dtype=np.float64)
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}D, got shape {tuple(x.shape)}")
    if x.size and not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf (did training diverge?)")
    return x


def flat_rows(x, name: str = "samples") -> np.ndarray:
    """[N, ...] (e.g. images [N, 1, 28, 28]) -> float64 [N, D] with D = prod(...)."""
    x = as_numpy(x, name, ndim=None)
    if x.ndim < 2:
        raise ValueError(f"{name} must have shape [N, ...] with at least 2 dims, got {x.shape}")
    return x.reshape(len(x), -1)


def _row_blocks(n_rows: int, n_cols: int):
    """Yield (start, stop) row ranges so that a block [stop - start, n_cols] fits the budget."""
    step = max(1, _CHUNK_ELEMENTS // max(1, n_cols))
    for start in range(0, n_rows, step):
        yield start, min(n_rows, start + step)


def _sq_dist_block(a: np.ndarray, b: np.ndarray, b_sq: np.ndarray) -> np.ndarray:
    """Fast squared distances via BLAS: a [c, D], b [M, D], b_sq [M] -> [c, M], clipped >= 0."""
    d2 = (a * a).sum(1)[:, None] + b_sq[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d2, 0.0)


def kth_neighbour_radii(x: np.ndarray, k: int) -> np.ndarray:
    """x [N, D] -> [N]: distance from each row to its k-th nearest *other* row (NND_k)."""
    n = len(x)
    if not 1 <= k < n:
        raise ValueError(f"k must satisfy 1 <= k < N (N={n}), got k={k}")
    radii = np.empty(n)
    for start, stop in _row_blocks(n, n):
        d = cdist(x[start:stop], x)  # [c, N]
        rows = np.arange(stop - start)
        d[rows, start + rows] = np.inf  # exclude self, not duplicates of self
        radii[start:stop] = np.partition(d, k - 1, axis=1)[:, k - 1]
    return radii


def count_in_balls(centres: np.ndarray, radii: np.ndarray, points: np.ndarray):
    """Ball membership for balls B(centres[i], radii[i]), open balls (d < r, as in Naeem's code).

    centres [N, D], radii [N], points [M, D] ->
      balls_per_point [M]: how many balls contain point j,
      point_in_ball [N]: whether ball i contains at least one point.
    """
    balls_per_point = np.zeros(len(points), dtype=np.int64)
    point_in_ball = np.zeros(len(centres), dtype=bool)
    for start, stop in _row_blocks(len(centres), len(points)):
        inside = cdist(centres[start:stop], points) < radii[start:stop, None]  # [c, M]
        balls_per_point += inside.sum(0)
        point_in_ball[start:stop] = inside.any(1)
    return balls_per_point, point_in_ball


def nearest_neighbours(queries, reference) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the index of and distance to its nearest reference row.

    The memorisation view: a generated sample at distance ~0 from a training image is a copy.
    queries [Q, ...], reference [R, ...] (flattened to rows) -> (index int64 [Q], distance [Q]).
    """
    q, ref = flat_rows(queries, "queries"), flat_rows(reference, "reference")
    if q.shape[1] != ref.shape[1] or len(ref) == 0:
        raise ValueError(f"need a non-empty reference as wide as the queries, "
                         f"got {q.shape}, {ref.shape}")
    ref_sq = (ref * ref).sum(1)  # [R]
    index = np.empty(len(q), dtype=np.int64)
    for start, stop in _row_blocks(len(q), len(ref)):
        index[start:stop] = _sq_dist_block(q[start:stop], ref, ref_sq).argmin(1)
    distance = np.linalg.norm(q - ref[index], axis=1)  # exact, not the BLAS estimate
    return index, distance


def closest_pairs(samples, n_pairs: int = 8) -> list[tuple[int, int, float]]:
    """The `n_pairs` closest distinct pairs (i, j), i < j, as (i, j, distance), ascending.

    The birthday-paradox test (Arora & Zhang 2017, "Do GANs learn the distribution?"): if a batch
    of s samples already holds near-duplicates, the generator's support is only about s^2.
    samples [N, ...] are flattened to rows [N, D]; ties are broken by (i, j).
    """
    x = flat_rows(samples)
    n = len(x)
    if n < 2:
        raise ValueError(f"need at least 2 samples, got {n}")
    n_pairs = min(int(n_pairs), n * (n - 1) // 2)
    if n_pairs < 1:
        raise ValueError("n_pairs must be >= 1")
    x_sq = (x * x).sum(1)
    keep = 2 * n_pairs  # slack: BLAS rounding near ties must not drop a true winner
    cand_i, cand_j = [], []
    for start, stop in _row_blocks(n, n):
        d2 = _sq_dist_block(x[start:stop], x, x_sq)  # [c, N]
        rows = np.arange(start, stop)[:, None]
        d2[np.arange(n)[None, :] <= rows] = np.inf  # keep only j > i
        flat = d2.ravel()
        m = min(keep, flat.size)
        best = np.argpartition(flat, m - 1)[:m]
        best = best[np.isfinite(flat[best])]
        cand_i.append(start + best // n)
        cand_j.append(best % n)
    i, j = np.concatenate(cand_i), np.concatenate(cand_j)
    dist = np.linalg.norm(x[i] - x[j], axis=1)  # exact distances for the candidates
    order = np.lexsort((j, i, dist))[:n_pairs]
    return [(int(i[t]), int(j[t]), float(dist[t])) for t in order]
