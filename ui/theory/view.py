"""The theory tab's pictures and sentences, drawn from gan_core.theory (plain numpy).

Each picture is a `matplotlib.figure.Figure` (never pyplot: it is not thread-safe and the app
serves many sessions) rendered to an RGB uint8 array [H, W, 3] for a gr.Image. Each section's
numbers come back as one Markdown string: the values, then one sentence of what to look at.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gan_core.theory import g_losses
from gan_core.theory.divergence import LOG2, Dist1D, cell_masses, divergences, grid_for, optimal_d, slope, sweep_mean

REAL, FAKE, DARK, ALT = "#1a9850", "#762a83", "#333333", "#e66101"  # the Train tab's real green, fake purple
DATA_STD = 0.5  # p_data: the same shape as p_g, mean 0, std 0.5
MEAN_RANGE = (-5.0, 5.0)  # G's mean slider, and the x range of the JSD / W1 curves
DPI = 100
# Fixed margins (fractions of the figure) instead of tight_layout, which draws every figure twice over:
# read off tight_layout once per picture, with room for the widest tick labels the sliders can make.
MARGINS = {"densities": dict(left=0.135, right=0.865, bottom=0.18, top=0.9),
           "curves": dict(left=0.135, right=0.89, bottom=0.18, top=0.9),
           "g_loss": dict(left=0.135, right=0.95, bottom=0.18, top=0.9),
           "field": dict(left=0.17, right=0.965, bottom=0.17, top=0.965),
           "distance": dict(left=0.19, right=0.965, bottom=0.195, top=0.885)}


def to_array(fig: Figure) -> np.ndarray:
    """Render a figure: RGB uint8 [H, W, 3]."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _figure(width: float, height: float, margins: str):
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(**MARGINS[margins])
    return fig, fig.add_subplot(1, 1, 1)


# -- 1. the optimal D, the JSD and W1 ------------------------------------------------------------

def distributions(shape: str, g_mean: float, g_std: float) -> tuple[Dist1D, Dist1D]:
    """(p_data, p_g) for the sliders' values."""
    return Dist1D(shape, 0.0, DATA_STD), Dist1D(shape, float(g_mean), float(g_std))


def densities_picture(shape: str, g_mean: float, g_std: float) -> np.ndarray:
    """p_data and p_g as densities, and D*(x) = p_data / (p_data + p_g) over them (right axis)."""
    p_data, p_g = distributions(shape, g_mean, g_std)
    edges = grid_for(p_data, p_g, Dist1D(shape, MEAN_RANGE[0], DATA_STD), Dist1D(shape, MEAN_RANGE[1], DATA_STD),
                     n_cells=2000)
    x = 0.5 * (edges[1:] + edges[:-1])  # cell centres [n]
    md, mg = cell_masses(p_data, edges), cell_masses(p_g, edges)
    width = np.diff(edges)
    fig, ax = _figure(5.0, 3.3, "densities")
    ax.fill_between(x, md / width, color=REAL, alpha=0.35, lw=0)
    ax.plot(x, md / width, color=REAL, lw=1.5, label="p_data")
    ax.fill_between(x, mg / width, color=FAKE, alpha=0.35, lw=0)
    ax.plot(x, mg / width, color=FAKE, lw=1.5, label="p_g")
    ax.set_xlim(-5.5, 5.5)
    ax.set_ylim(0, 1.15 * max((md / width).max(), (mg / width).max()))
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    d_axis = ax.twinx()
    d_star = optimal_d(md, mg)
    d_star[(md + mg) < 1e-9 * width] = np.nan  # no mass on either side: D* is undefined there, not drawn
    d_axis.plot(x, d_star, color=DARK, lw=1.8, ls="--", label="D*(x)")
    d_axis.set_ylim(-0.03, 1.03)
    d_axis.set_ylabel("D*(x)")
    handles = ax.get_legend_handles_labels()[0] + d_axis.get_legend_handles_labels()[0]
    ax.legend(handles, ["p_data", "p_g", "D*(x)"], loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title("The best D for this G", fontsize=10)
    return to_array(fig)


@lru_cache(maxsize=64)
def _sweep(shape: str, g_std: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(means [201], JSD [201], W1 [201]) over G's mean range: they depend on G's shape and spread only,
    so moving the mean slider reuses them."""
    p_data, p_g = distributions(shape, 0.0, g_std)
    means = np.linspace(*MEAN_RANGE, 201)
    js, w = sweep_mean(p_data, p_g, means, n_cells=2000)
    for a in (means, js, w):
        a.flags.writeable = False  # shared between calls
    return means, js, w


def divergence_curves_picture(shape: str, g_mean: float, g_std: float) -> np.ndarray:
    """JSD and W1 as G's mean moves (its spread fixed), the current mean marked (Arjovsky et al. Fig. 1-2)."""
    p_data, p_g = distributions(shape, g_mean, g_std)
    means, js, w = _sweep(shape, float(g_std))
    now = divergences(p_data, p_g)
    fig, ax = _figure(5.0, 3.3, "curves")
    ax.plot(means, js, color=FAKE, lw=2, label="JSD")
    ax.axhline(LOG2, color=FAKE, lw=0.8, ls=":")
    ax.text(-3.6, LOG2 + 0.01, "log 2", color=FAKE, fontsize=8, va="bottom")
    ax.plot([g_mean], [now.jsd], "o", color=FAKE, ms=7)
    ax.set_ylim(0, 0.8)
    ax.set_xlabel("G's mean (p_data sits at 0)")
    ax.set_ylabel("JSD (nats)", color=FAKE)
    w_axis = ax.twinx()
    w_axis.plot(means, w, color=ALT, lw=2, label="W1")
    w_axis.plot([g_mean], [now.w1], "o", color=ALT, ms=7)
    w_axis.set_ylim(0, 1.1 * w.max())
    w_axis.set_ylabel("W1", color=ALT)
    ax.legend([ax.lines[0], w_axis.lines[0]], ["JSD", "W1"], loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title("As G moves: JSD flattens, W1 keeps its slope", fontsize=10)
    return to_array(fig)


def divergence_numbers(shape: str, g_mean: float, g_std: float) -> str:
    """JSD, V(D*, G), W1 and their slopes as G's mean moves, and what to see."""
    p_data, p_g = distributions(shape, g_mean, g_std)
    now = divergences(p_data, p_g)
    at = lambda m: divergences(p_data, Dist1D(shape, m, float(g_std)))  # noqa: E731
    js_slope = slope(lambda m: at(m).jsd, float(g_mean), h=0.01)
    w_slope = slope(lambda m: at(m).w1, float(g_mean), h=0.01)
    if now.jsd > LOG2 - 1e-3 and abs(js_slope) < 1e-3:
        see = ("The two barely overlap: the JSD sits at log 2 and its slope is 0, so a G trained against the best "
               "D learns nothing about which way to move, while W1 still slopes down towards p_data.")
    elif now.jsd < 1e-3:
        see = "G matches p_data: D* is 1/2 everywhere, the JSD is 0 and V(D*, G) reaches its minimum, -log 4."
    elif abs(js_slope) < 1e-3:
        see = ("The JSD is flat here although the two overlap: one support holds the other, and nudging G's mean "
               "changes nothing the best D can use, so G gets no direction from it.")
    else:
        see = ("They overlap: D* is near 1 where p_data dominates and near 0 where p_g does; both the JSD and W1 fall "
               "as G moves towards p_data.")
    return (f"**JSD(p_data ‖ p_g) = {now.jsd:.4f}** nats (at most log 2 = {LOG2:.4f}) · "
            f"**V(D\\*, G) = {now.value:.4f}** = −log 4 + 2 JSD · **W1 = {now.w1:.3f}**  \n"
            f"Slope as G's mean moves: JSD {js_slope:+.4f}, W1 {w_slope:+.3f}.  \n{see}")


# -- 2. saturating vs non-saturating G loss --------------------------------------------------------

_D = np.linspace(1e-3, 1 - 1e-3, 400)  # D(G(z)) along the x axis


def g_loss_picture(d_now: float) -> np.ndarray:
    """Both G losses against D(G(z)) (Goodfellow 2016, Fig. 16), the probe d marked."""
    fig, ax = _figure(5.0, 3.3, "g_loss")
    ax.plot(_D, g_losses.saturating_loss(_D), color=FAKE, lw=2, label="saturating: log(1 − D(G(z)))")
    ax.plot(_D, g_losses.nonsaturating_loss(_D), color=ALT, lw=2, label="non-saturating: −log D(G(z))")
    ax.plot([d_now], g_losses.saturating_loss(np.array([d_now])), "o", color=FAKE, ms=7)
    ax.plot([d_now], g_losses.nonsaturating_loss(np.array([d_now])), "o", color=ALT, ms=7)
    ax.axvspan(0, g_losses.flat_point(), color="#bbbbbb", alpha=0.4, lw=0)
    ax.set_xlim(0, 1)
    ax.set_ylim(-5, 5)
    ax.set_xlabel("D(G(z))  (0: D is sure the sample is fake)")
    ax.set_ylabel("G's loss (minimised)")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    ax.set_title("The two G losses", fontsize=10)
    return to_array(fig)


def g_grad_picture(d_now: float) -> np.ndarray:
    """The gradient each loss sends to G (through D's sigmoid) against D(G(z)); grey: the flat zone."""
    fig, ax = _figure(5.0, 3.3, "g_loss")
    ax.plot(_D, np.abs(g_losses.saturating_grad_logit(_D)), color=FAKE, lw=2, label="saturating: |∂J/∂l| = d")
    ax.plot(_D, np.abs(g_losses.nonsaturating_grad_logit(_D)), color=ALT, lw=2, label="non-saturating: 1 − d")
    ax.plot([d_now], [d_now], "o", color=FAKE, ms=7)
    ax.plot([d_now], [1 - d_now], "o", color=ALT, ms=7)
    flat = g_losses.flat_point()
    ax.axvspan(0, flat, color="#bbbbbb", alpha=0.4, lw=0)
    ax.annotate("saturating goes flat", xy=(flat, 0.04), xytext=(0.2, 0.12), fontsize=8,
                arrowprops=dict(arrowstyle="->", lw=0.8))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("D(G(z))")
    ax.set_ylabel("gradient size reaching G")
    ax.legend(loc="upper center", fontsize=8, framealpha=0.9)
    ax.set_title("What G learns from: the gradient through D's sigmoid", fontsize=10)
    return to_array(fig)


def g_loss_numbers(d_now: float) -> str:
    d = np.array([d_now])
    sat, ns = float(g_losses.saturating_grad_logit(d)[0]), float(g_losses.nonsaturating_grad_logit(d)[0])
    flat = g_losses.flat_point()
    if d_now < flat:
        see = (f"Here D confidently rejects the fake: the saturating loss passes G only {abs(sat):.3f}, under a tenth "
               f"of the non-saturating {abs(ns):.3f}. This is early training, when G most needs a signal.")
    elif d_now < 0.5:
        see = "D still wins; the non-saturating loss gives the stronger gradient, so G learns faster with it."
    else:
        see = "D is fooled: now the saturating loss pushes harder. Both losses share the same fixed point."
    return (f"At D(G(z)) = {d_now:.3f}: saturating loss {float(g_losses.saturating_loss(d)[0]):.3f}, gradient "
            f"{sat:+.3f} · non-saturating loss {float(g_losses.nonsaturating_loss(d)[0]):.3f}, gradient {ns:+.3f} "
            f"(gradients with respect to D's logit). The saturating one is under a tenth of the other for "
            f"D(G(z)) < 1/11 ≈ {flat:.3f} (grey).  \n{see}")
