"""The theory tab's Dirac-GAN pictures and sentences (gan_core.theory.dirac).

One picture holds the (theta, psi) field and the simultaneous and alternating trajectories from the
student's start point; a second shows the distance to the equilibrium against steps. The field
picture also returns where its axes sit in the image, so a click on it becomes a (theta, psi) start.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from gan_core.theory import dirac
from ui.theory.view import ALT, DARK, FAKE, REAL, _figure, to_array

OBJECTIVE_CHOICES = [("GAN", "gan"), ("non-saturating GAN", "nsgan"), ("WGAN", "wgan"), ("WGAN-GP", "wgan-gp"),
                     ("GAN + R1", "gan-r1"), ("instance noise", "instance-noise")]
SPAN, MAX_SPAN = 2.0, 8.0  # the paper's view [-2, 2]^2, widened (up to 8) when a trajectory leaves it
START_LIMIT = 3.0  # the start sliders' range; a click further out starts at the edge
WHAT_TO_SEE = {
    "gan": "Simultaneous steps spiral out (each multiplies the distance near (0, 0) by |1 + i h/2| > 1); "
           "alternating steps circle the equilibrium and never reach it.",
    "nsgan": "The non-saturating loss keeps the Jacobian at (0, 0) (the same ±i/2), so nothing converges at a "
             "steady rate: simultaneous steps settle on a ring around (0, 0), where the field's bend inwards "
             "balances the steps' push out; alternating steps creep inwards, far more slowly than with R1.",
    "wgan": "The field is a pure rotation (eigenvalues ±i): simultaneous steps spiral out until clipping stops ψ "
            "at ±1, and θ swings back and forth for ever; nothing converges.",
    "wgan-gp": "The penalty pulls |ψ| towards 1, not 0: D never rests at ψ = 0, so it keeps pushing G past θ = 0 "
               "and back; the steps do not converge.",
    "gan-r1": "R1 (γ/2 ψ² on D) adds −γ to the Jacobian: both eigenvalues get a negative real part and the steps "
              "are pulled in to (0, 0). Set γ to 0 and it is the plain GAN again.",
    "instance-noise": "Noise of std σ on both points blurs what D sees: the eigenvalues get a negative real part "
                      "(−σ²/4 while σ < √2), so the steps converge, slowly when σ is small.",
}


def settings(objective: str, lr: float, steps: int, gamma: float, sigma: float, theta0: float, psi0: float,
             updates: str = "simultaneous") -> dirac.DiracSettings:
    return dirac.DiracSettings(objective=objective, updates=updates, steps=int(steps), lr=float(lr),
                               gamma=float(gamma), sigma=float(sigma), start=(float(theta0), float(psi0)))


def runs(s: dirac.DiracSettings) -> dict[str, dirac.DiracRun]:
    """Both kinds of update from the same start."""
    return {u: dirac.trajectory(dirac.DiracSettings(**{**s.__dict__, "updates": u})) for u in dirac.UPDATES}


def field_picture(s: dirac.DiracSettings, both: dict[str, dirac.DiracRun]) -> tuple[np.ndarray, dict]:
    """The field (unit arrows, 13 x 13), both trajectories, the start and the equilibrium.
    Returns (RGB [H, W, 3], frame): frame maps image pixels to (theta, psi) for a click."""
    reach = max(float(np.max(np.abs(r.points))) for r in both.values())
    span = float(min(MAX_SPAN, max(SPAN, 1.08 * reach)))
    theta, psi, v_theta, v_psi = dirac.field_grid(s, span=span, n=13)
    size = np.hypot(v_theta, v_psi)
    fig, ax = _figure(4.6, 5.1, "field")
    ax.quiver(theta, psi, v_theta / np.where(size > 0, size, 1), v_psi / np.where(size > 0, size, 1),
              color="#9e9e9e", angles="xy", scale=28, width=0.004)
    for updates, colour in (("simultaneous", FAKE), ("alternating", ALT)):
        pts = both[updates].points
        ax.plot(pts[:, 0], pts[:, 1], color=colour, lw=1.3, label=f"{updates} steps")
        ax.plot(pts[-1, 0], pts[-1, 1], "s", color=colour, ms=6)
    ax.plot(*s.start, "o", color=DARK, ms=7, label="start (click to move)")
    ax.plot(0, 0, "*", color=REAL, ms=14, label="equilibrium (0, 0)")
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.set_xlabel("θ  (G's point; the data is at 0)")
    ax.set_ylabel("ψ  (D(x) = ψ x)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)
    label = {v: k for k, v in OBJECTIVE_CHOICES}[s.objective]
    ax.set_title(f"{label}: the field and {s.steps} steps of size {s.lr:g}", fontsize=10)
    image = to_array(fig)
    height = image.shape[0]
    (x0, y0), (x1, y1) = ax.transData.transform([(-span, -span), (span, span)])  # display: origin bottom-left
    frame = {"x": [float(x0), float(x1)], "y": [float(height - y0), float(height - y1)], "span": span}
    return image, frame


def pixel_to_point(frame: dict, x: float, y: float) -> tuple[float, float] | None:
    """An image pixel (origin top-left) -> (theta, psi) rounded to 0.01 and kept within +-START_LIMIT,
    or None when the click is outside the axes."""
    (x0, x1), (y_bottom, y_top), span = frame["x"], frame["y"], frame["span"]
    u, v = (x - x0) / (x1 - x0), (y_bottom - y) / (y_bottom - y_top)
    if not (0 <= u <= 1 and 0 <= v <= 1):
        return None
    theta, psi = np.clip(np.round([-span + 2 * span * u, -span + 2 * span * v], 2), -START_LIMIT, START_LIMIT)
    return float(theta), float(psi)


def distance_picture(both: dict[str, dirac.DiracRun]) -> np.ndarray:
    """Distance to (0, 0) against steps for both kinds of update (log scale: convergence is geometric)."""
    fig, ax = _figure(4.6, 3.0, "distance")
    for updates, colour in (("simultaneous", FAKE), ("alternating", ALT)):
        dist = np.maximum(both[updates].distances, 1e-12)
        ax.plot(np.arange(len(dist)), dist, color=colour, lw=1.6, label=updates)
    low = min(float(np.min(np.maximum(r.distances, 1e-12))) for r in both.values())
    high = max(r.max_distance for r in both.values())
    if high / low > 50:  # converging (or exploding) runs: a log scale shows the geometric rate as a line
        ax.set_yscale("log")
        ax.set_ylim(low / 2, high * 2)
        # plain-text tick labels: the default ones are mathtext, whose parser is shared and not thread-safe
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}".replace("e+00", "").replace("e-0", "e-")))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_ylim(0, high * 1.15)
    ax.set_xlabel("step")
    ax.set_ylabel("distance to (0, 0)")
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    ax.set_title("Distance to the equilibrium", fontsize=10)
    return to_array(fig)


def _complex(z: complex) -> str:
    re, im = (0.0 if abs(z.real) < 5e-13 else z.real), (0.0 if abs(z.imag) < 5e-13 else z.imag)
    return f"{re:.3g}" if im == 0 else f"{re:.3g} {'+' if im > 0 else '−'} {abs(im):.3g}i"


def numbers(s: dirac.DiracSettings, both: dict[str, dirac.DiracRun]) -> str:
    """End points, final and largest distances, the eigenvalues and the update's spectral radius."""
    lines = []
    for updates in dirac.UPDATES:
        r = both[updates]
        note = f" (left for good after {len(r.points) - 1} steps)" if r.diverged else ""
        lines.append(f"**{updates}**: ends at (θ, ψ) = ({r.end[0]:.3g}, {r.end[1]:.3g}), distance to (0, 0) "
                     f"**{r.final_distance:.3g}** (largest {r.max_distance:.3g}){note}")
    if s.objective == "wgan-gp":
        lines.append("Jacobian at (0, 0): none (the penalty |ψ| has a kink at ψ = 0).")
    else:
        ev = sorted(dirac.eigenvalues(s), key=lambda z: z.imag)
        radius = {u: dirac.spectral_radius(dirac.DiracSettings(**{**s.__dict__, "updates": u})) for u in dirac.UPDATES}
        lines.append(f"Jacobian eigenvalues at (0, 0): {_complex(ev[0])} and {_complex(ev[1])}; one step near (0, 0) "
                     f"scales the distance by up to {radius['simultaneous']:.4f} (simultaneous) and "
                     f"{radius['alternating']:.4f} (alternating): above 1 moves away, below 1 converges.")
    lines.append(WHAT_TO_SEE[s.objective])
    return "  \n".join(lines)
