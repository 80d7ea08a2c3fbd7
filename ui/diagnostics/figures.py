"""The diagnostics tab's pictures, drawn from a `gan_core.evaluation.diagnostics.Diagnosis`.

Plots are `matplotlib.figure.Figure` objects (never pyplot: it is not thread-safe and the app
serves many sessions); sample grids are uint8 arrays from gan_core.pictures.viz.image_grid.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.figure import Figure

from gan_core.evaluation.diagnostics import Diagnosis
from gan_core.pictures.viz import image_grid

REAL, FAKE, BAD = "#1a9850", "#762a83", "#d73027"  # the Train tab's colours: real green, fake purple


def _figure(width: float = 5.0, height: float = 4.0) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot(1, 1, 1)


def main_figure(d: Diagnosis, title: str = "") -> Figure:
    """The one picture that shows collapse best for this data: the mode map (2D mixtures), the
    points over the real data (other 2D sets) or the class histogram (labelled images)."""
    fig, ax = _figure()
    if d.centers is not None:
        draw_mode_map(ax, d)
    elif d.fake.dim() == 2:
        draw_points(ax, d)
    elif "class_histogram" in d.report:
        draw_class_histogram(ax, d.report)
    else:
        ax.imshow(image_grid(d.fake[:64]))
        ax.set_axis_off()
        ax.set_title("64 samples (no classifier ships for this data)", fontsize=10)
    if title:
        ax.set_title(title + "\n" + ax.get_title(), fontsize=10)
    fig.tight_layout()
    return fig


def draw_mode_map(ax, d: Diagnosis, max_points: int = 1000) -> None:
    """Generated points coloured by their nearest mode centre (faint: too far from it to count);
    each centre is labelled with its share of the good samples, a missed one with a red cross."""
    x = d.fake[:max_points].numpy()
    nearest, good = d.mode_nearest[:max_points], d.high_quality[:max_points]
    m = d.report["modes"]
    n_modes = len(d.centers)
    cmap = colormaps["tab10" if n_modes <= 10 else "hsv"]
    colours = cmap(np.arange(n_modes) if n_modes <= 10 else np.arange(n_modes) / n_modes)
    ax.scatter(x[~good, 0], x[~good, 1], s=4, c=colours[nearest[~good]], alpha=0.25)
    ax.scatter(x[good, 0], x[good, 1], s=6, c=colours[nearest[good]], alpha=0.9)
    counts = np.array(m["counts"])
    shares = counts / max(1, counts.sum())
    span = np.abs(d.centers).max() * 1.35 + 0.3
    for c, (cx, cy) in enumerate(d.centers):
        if counts[c]:
            ax.annotate(f"{shares[c]:.0%}", (cx, cy), xytext=(cx * 1.17, cy * 1.17), fontsize=7, ha="center",
                        va="center")
        else:
            ax.scatter([cx], [cy], marker="x", s=45, c=BAD, lw=1.5)
    ax.scatter([], [], marker="x", c=BAD, label="missed mode")
    ax.scatter([], [], s=6, c="0.3", label="sample (faint: far from every mode)")
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    ax.set_title(f"mode map: {m['modes_covered']} of {m['n_modes']} modes covered, "
                 f"{m['high_quality_fraction']:.0%} of samples close to one", fontsize=9)


def draw_points(ax, d: Diagnosis, max_points: int = 1000) -> None:
    real, fake = d.real[:max_points].numpy(), d.fake[:max_points].numpy()
    ax.scatter(real[:, 0], real[:, 1], s=4, c=REAL, alpha=0.35, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, c=FAKE, alpha=0.6, label="generated")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title("generated points over the real data", fontsize=10)


def draw_class_histogram(ax, report: dict) -> None:
    """Bars: share of samples per predicted class; dashed: a fair share; red: almost never produced."""
    h = report["class_histogram"]
    shares = np.array(h["shares"])
    k = len(shares)
    fair = 1.0 / k
    colours = [BAD if s < 0.25 * fair else FAKE for s in shares]
    ax.bar(np.arange(k), shares, color=colours)
    ax.axhline(fair, color="black", ls="--", lw=1, label=f"fair share 1/{k}")
    ax.set_xticks(np.arange(k))
    ax.set_xlabel("class the classifier sees")
    ax.set_ylabel("share of generated samples")
    ax.set_ylim(0, max(0.3, float(shares.max()) * 1.15))
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"class histogram: {h['classes_covered']} of {k} classes covered, "
                 f"KL to uniform {h['kl_to_uniform']:.2f}", fontsize=9)


def d_histogram_figure(report: dict) -> Figure | None:
    """D(x) on real data over D(G(z)) on samples, on shared bins. None when there is no D."""
    h = report.get("d_histograms")
    if h is None:
        return None
    fig, ax = _figure(5.0, 3.2)
    edges = np.array(h["edges"])
    ax.stairs(h["real_counts"], edges, fill=True, color=REAL, alpha=0.45, label="D(x), real")
    ax.stairs(h["fake_counts"], edges, fill=True, color=FAKE, alpha=0.45, label="D(G(z)), generated")
    prob = h["output"] == "probability"
    ax.set_xlabel("D's output: probability 'real'" if prob else "critic score")
    ax.set_ylabel("samples")
    ax.legend(fontsize=8)
    ax.set_title("what D thinks: two far-apart humps = D separates them easily", fontsize=9)
    fig.tight_layout()
    return fig


def pairs_grid(d: Diagnosis) -> np.ndarray | None:
    """One column per closest generated pair, the two samples above each other (twins = duplicates)."""
    pairs = d.report.get("closest_pairs", {}).get("pairs")
    if not pairs:
        return None
    idx = [p["i"] for p in pairs] + [p["j"] for p in pairs]
    return image_grid(d.fake[idx], nrow=len(pairs), min_side=800)


def nearest_grid(d: Diagnosis) -> np.ndarray | None:
    """Top row: the generated samples closest to a training image; bottom row: those images."""
    near = d.report.get("nearest_training", {}).get("closest")
    if not near:
        return None
    fakes = d.fake[[c["sample"] for c in near]]
    train = d.train[[c["train_index"] for c in near]].cpu().float()
    return image_grid(torch.cat([fakes, train]), nrow=len(near), min_side=800)
