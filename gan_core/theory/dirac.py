"""The Dirac-GAN (Mescheder, Geiger, Nowozin 2018, "Which training methods for GANs do actually converge?").

The smallest GAN whose training can be drawn: the data is a point mass at 0, G is a point mass
at theta, and D is linear, D(x) = psi x. Both players are one number each. The game is
    L(theta, psi) = f(psi theta) + f(-psi * 0) = f(psi theta) + f(0)
(the fake term at theta, then the real one at 0; the paper's sign convention), which G minimises
over theta and D maximises over psi, with
    f(t) = -log(1 + exp(-t))    for the GAN        f'(t) = sigmoid(-t),  f'(0) = 1/2
    f(t) = t                    for the WGAN       f'(t) = 1.
The unique equilibrium is (theta, psi) = (0, 0). Gradient training follows the field
    v(theta, psi) = ( -dL/dtheta, dL/dpsi ) = ( -psi f'(psi theta),  theta f'(psi theta) ).
Its Jacobian at (0, 0) is [[0, -f'(0)], [f'(0), 0]], eigenvalues +-i f'(0): purely imaginary,
so the field circles the equilibrium and never pulls towards it. Simultaneous steps
(theta, psi) += h v multiply the distance by |1 + i h f'(0)| > 1 near (0, 0): they spiral out.
Alternating steps (G first, then D on the new theta) have an update matrix of determinant 1:
for small h they circle forever. A penalty on D's gradient at the data (R1: gamma/2 psi^2) adds
-gamma to the Jacobian's corner: eigenvalues with negative real parts, and the steps converge.

The objectives (the field's two components; a = f'(psi theta)):
    gan             ( -psi a,                theta a )
    nsgan           ( -psi f'(-psi theta),   theta a )      G uses the non-saturating loss
    wgan            ( -psi,                  theta   )      then psi is clipped to [-clip, clip]
    wgan-gp         ( -psi,                  theta - gamma (|psi| - 1) sign(psi) )
    gan-r1          ( -psi a,                theta a - gamma psi )
    instance-noise  the GAN field averaged over Gaussian noise of std sigma on both points
WGAN-GP: D pays gamma/2 (|D'(x)| - 1)^2 = gamma/2 (|psi| - 1)^2, Gulrajani et al.'s penalty with their
target 1 (the paper analyses a general target g0; its notebook draws g0 = 0.3). It is not
differentiable at psi = 0 and pushes |psi| towards 1, so (0, 0) is not a stable point.
WGAN: |D'| = |psi| <= clip, kept by clipping psi after every step (weight clipping); clip = 1 makes D
1-Lipschitz (the notebook's figures clip at 0.3).
Instance noise: the expectation over eps, eps' ~ N(0, sigma^2) of the GAN field with the fake at
theta + eps and the real at eps' is computed by Gauss-Hermite quadrature (deterministic, exact for
polynomials up to degree 2 * N_HERMITE - 1), not by sampling as the paper's notebook does:
    v = ( -E[psi f'(psi (theta + eps))],  E[(theta + eps) f'(psi (theta + eps))] - E[eps' f'(-psi eps')] ).
Its Jacobian at (0, 0) has 2 sigma^2 f''(0) = -sigma^2 / 2 in the corner (the paper's Lemma).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gan_core.config import ConfigError

OBJECTIVES = ("gan", "nsgan", "wgan", "wgan-gp", "gan-r1", "instance-noise")
UPDATES = ("simultaneous", "alternating")
MAX_STEPS = 100_000
DIVERGED = 1e6  # a distance to (0, 0) past which a trajectory stops: it has left for good
N_HERMITE = 40  # quadrature nodes for the instance-noise expectation

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(N_HERMITE)  # integral e^{-x^2} g(x) dx ~ sum w g(x)


def f_prime(t):
    """f'(t) = sigmoid(-t) for f(t) = -log(1 + e^-t); tanh keeps it finite for any t."""
    return 0.5 * (1.0 - np.tanh(0.5 * np.asarray(t, dtype=np.float64)))


F1 = 0.5  # f'(0)
F2 = -0.25  # f''(0) = -sigmoid(0) sigmoid(0)


@dataclass(frozen=True)
class DiracSettings:
    """One Dirac-GAN experiment."""

    objective: str = "gan"  # one of OBJECTIVES
    updates: str = "simultaneous"  # or "alternating": G's step, then D's step on the new theta
    steps: int = 500  # gradient steps (each moves both players once)
    lr: float = 0.2  # step size h, the same for G and D
    gamma: float = 1.0  # weight of the R1 penalty (gan-r1) and of the gradient penalty (wgan-gp)
    sigma: float = 0.5  # std of the instance noise (instance-noise)
    start: tuple[float, float] = (1.0, 1.0)  # (theta_0, psi_0)
    clip: float = 1.0  # WGAN: psi is kept in [-clip, clip]

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"objective must be one of {', '.join(OBJECTIVES)}; got {self.objective!r}.")
        if self.updates not in UPDATES:
            raise ConfigError(f"updates must be one of {', '.join(UPDATES)}; got {self.updates!r}.")
        if isinstance(self.steps, bool) or not isinstance(self.steps, (int, np.integer)) \
                or not 0 <= self.steps <= MAX_STEPS:
            raise ConfigError(f"steps must be a whole number from 0 to {MAX_STEPS:,}; got {self.steps!r}.")
        if not (math.isfinite(self.lr) and 0 < self.lr <= 10):
            raise ConfigError(f"the step size lr must be above 0 and at most 10; got {self.lr}.")
        if not (math.isfinite(self.gamma) and 0 <= self.gamma <= 100):
            raise ConfigError(f"gamma must lie in [0, 100]; got {self.gamma}.")
        if not (math.isfinite(self.sigma) and 0 <= self.sigma <= 10):
            raise ConfigError(f"sigma must lie in [0, 10]; got {self.sigma}.")
        if not (math.isfinite(self.clip) and self.clip > 0):
            raise ConfigError(f"clip must be above 0; got {self.clip}.")
        if len(self.start) != 2 or not all(math.isfinite(v) and abs(v) <= 100 for v in self.start):
            raise ConfigError(f"start must be two finite numbers (theta, psi) within +-100; got {self.start}.")


def field(s: DiracSettings, theta, psi) -> tuple[np.ndarray, np.ndarray]:
    """The gradient field (v_theta, v_psi) at theta, psi (floats or arrays of one shape)."""
    theta, psi = np.asarray(theta, dtype=np.float64), np.asarray(psi, dtype=np.float64)
    o = s.objective
    if o in ("wgan", "wgan-gp"):
        v_psi = theta - s.gamma * (np.abs(psi) - 1.0) * np.sign(psi) if o == "wgan-gp" else theta
        return -psi, v_psi + 0.0 * psi
    if o == "instance-noise":
        return _noisy_field(theta, psi, s.sigma)
    a = f_prime(psi * theta)
    v_theta = -psi * (f_prime(-psi * theta) if o == "nsgan" else a)
    v_psi = theta * a - (s.gamma * psi if o == "gan-r1" else 0.0)
    return v_theta, v_psi


def _noisy_field(theta: np.ndarray, psi: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """E over eps, eps' ~ N(0, sigma^2) of the GAN field, by Gauss-Hermite quadrature.
    E[g(eps)] = 1/sqrt(pi) sum_k w_k g(sqrt(2) sigma x_k); the nodes run along a new last axis."""
    eps = math.sqrt(2.0) * sigma * _NODES  # [K]
    w = _WEIGHTS / math.sqrt(math.pi)  # [K], sums to 1
    fake = theta[..., None] + eps  # [..., K]: G's point, jittered
    a = f_prime(psi[..., None] * fake)  # [..., K]
    v_theta = -np.sum(w * psi[..., None] * a, axis=-1)
    v_psi = np.sum(w * fake * a, axis=-1) - np.sum(w * eps * f_prime(-psi[..., None] * eps), axis=-1)
    return v_theta, v_psi


def _constrain(s: DiracSettings, psi: float) -> float:
    """WGAN's weight clipping; every other objective leaves psi free."""
    return min(max(psi, -s.clip), s.clip) if s.objective == "wgan" else psi


@dataclass(frozen=True)
class DiracRun:
    """A trajectory and the numbers the lesson reads off it."""

    points: np.ndarray  # [steps_done + 1, 2]: (theta, psi) after each step, the start first
    distances: np.ndarray  # [steps_done + 1]: sqrt(theta^2 + psi^2), the distance to the equilibrium
    diverged: bool  # stopped early: the distance passed DIVERGED (or stopped being a number)

    @property
    def end(self) -> tuple[float, float]:
        return float(self.points[-1, 0]), float(self.points[-1, 1])

    @property
    def final_distance(self) -> float:
        return float(self.distances[-1])

    @property
    def max_distance(self) -> float:
        return float(np.max(self.distances))


def trajectory(s: DiracSettings) -> DiracRun:
    """s.steps gradient steps of size h = s.lr from s.start, simultaneous or alternating.
        simultaneous: (theta, psi) <- (theta, psi) + h v(theta, psi)
        alternating:  theta <- theta + h v_theta(theta, psi);  psi <- psi + h v_psi(theta_new, psi)"""
    theta, psi = float(s.start[0]), _constrain(s, float(s.start[1]))
    points = [(theta, psi)]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(s.steps):
            if s.updates == "simultaneous":
                v_theta, v_psi = field(s, theta, psi)
                theta, psi = theta + s.lr * float(v_theta), psi + s.lr * float(v_psi)
            else:
                theta = theta + s.lr * float(field(s, theta, psi)[0])
                psi = psi + s.lr * float(field(s, theta, psi)[1])
            psi = _constrain(s, psi)
            if not math.hypot(theta, psi) < DIVERGED:  # also catches inf and nan
                diverged = True
                break
            points.append((theta, psi))
    pts = np.asarray(points, dtype=np.float64)
    return DiracRun(points=pts, distances=np.hypot(pts[:, 0], pts[:, 1]), diverged=diverged)


def jacobian_at_equilibrium(s: DiracSettings) -> np.ndarray:
    """The Jacobian [2, 2] of the field at (0, 0), rows (v_theta, v_psi), columns (theta, psi).
    wgan-gp has none (its penalty has a kink at psi = 0): ConfigError."""
    a = 1.0 if s.objective == "wgan" else F1
    corner = {"gan-r1": -s.gamma, "instance-noise": 2.0 * s.sigma ** 2 * F2}.get(s.objective, 0.0)
    if s.objective == "wgan-gp":
        raise ConfigError("the WGAN-GP field has a kink at psi = 0 (|psi| in its penalty): no Jacobian there.")
    return np.array([[0.0, -a], [a, corner]])


def eigenvalues(s: DiracSettings) -> np.ndarray:
    """The Jacobian's two (complex) eigenvalues at the equilibrium."""
    return np.linalg.eigvals(jacobian_at_equilibrium(s))


def update_matrix(s: DiracSettings) -> np.ndarray:
    """The linearised update [2, 2] near (0, 0): one step maps (theta, psi) to M (theta, psi).
        simultaneous: M = I + h J
        alternating:  theta' = theta + h (J11 theta + J12 psi);  psi' = psi + h (J21 theta' + J22 psi)"""
    (j11, j12), (j21, j22) = jacobian_at_equilibrium(s)
    h = s.lr
    if s.updates == "simultaneous":
        return np.eye(2) + h * np.array([[j11, j12], [j21, j22]])
    return np.array([[1 + h * j11, h * j12], [h * j21 * (1 + h * j11), 1 + h * j22 + h * h * j21 * j12]])


def spectral_radius(s: DiracSettings) -> float:
    """max |eigenvalue| of the update matrix: > 1 the steps move away from (0, 0), < 1 they converge."""
    return float(np.max(np.abs(np.linalg.eigvals(update_matrix(s)))))


def field_grid(s: DiracSettings, span: float = 2.0, n: int = 10) -> tuple[np.ndarray, ...]:
    """The field on an n x n grid over [-span, span]^2 (the paper draws 10 x 10 on [-2, 2]^2):
    theta, psi, v_theta, v_psi, each [n, n] (rows follow psi, columns follow theta)."""
    axis = np.linspace(-span, span, n)
    theta, psi = np.meshgrid(axis, axis)
    v_theta, v_psi = field(s, theta, psi)
    return theta, psi, v_theta, v_psi
