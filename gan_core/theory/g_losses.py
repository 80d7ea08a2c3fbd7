"""The saturating and the non-saturating G loss, as functions of d = D(G(z)) (Goodfellow 2016, Fig. 16).

D outputs a logit l and d = sigmoid(l). G minimises one of
    saturating (the minimax game's own):  J(G) = log(1 - d)
    non-saturating (the heuristic):       J(G) = -log d
Both push d up, to the same fixed point. What G's weights receive is the gradient through D's
sigmoid, dJ/dl = dJ/dd * d(1 - d) (chain rule):
    saturating:      dJ/dl = -1/(1 - d) * d(1 - d) = -d        -> 0 as d -> 0
    non-saturating:  dJ/dl = -1/d * d(1 - d)       = -(1 - d)  -> -1 as d -> 0
Early in training D rejects the fakes confidently (d near 0): exactly where the saturating loss
gives G almost nothing to learn from, and the non-saturating one gives it the most.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-12  # keeps log() finite at d = 0 or 1 (the curves are drawn on (0, 1))


def _check(d) -> np.ndarray:
    d = np.asarray(d, dtype=np.float64)
    if np.any((d < 0) | (d > 1)) or not np.all(np.isfinite(d)):
        raise ValueError("D(G(z)) is a probability: every value must lie in [0, 1].")
    return d


def saturating_loss(d) -> np.ndarray:
    """log(1 - d), minimised by G; same shape as d."""
    return np.log(np.clip(1.0 - _check(d), EPS, None))


def nonsaturating_loss(d) -> np.ndarray:
    """-log d, minimised by G; same shape as d."""
    return -np.log(np.clip(_check(d), EPS, None))


def saturating_grad_logit(d) -> np.ndarray:
    """d/dl log(1 - sigmoid(l)) = -d: the gradient that reaches G, written in d."""
    return -_check(d)


def nonsaturating_grad_logit(d) -> np.ndarray:
    """d/dl -log sigmoid(l) = -(1 - d)."""
    return -(1.0 - _check(d))


def saturating_grad_d(d) -> np.ndarray:
    """d/dd log(1 - d) = -1/(1 - d) (the slope of the loss curve itself, before the sigmoid)."""
    return -1.0 / np.clip(1.0 - _check(d), EPS, None)


def nonsaturating_grad_d(d) -> np.ndarray:
    """d/dd -log d = -1/d."""
    return -1.0 / np.clip(_check(d), EPS, None)


def flat_point(ratio: float = 0.1) -> float:
    """The d below which the saturating gradient (wrt the logit) is under `ratio` times the
    non-saturating one: d / (1 - d) < ratio  <=>  d < ratio / (1 + ratio). For ratio 0.1, d < 1/11."""
    if not 0 < ratio < 1:
        raise ValueError(f"ratio must lie in (0, 1); got {ratio}.")
    return ratio / (1.0 + ratio)
