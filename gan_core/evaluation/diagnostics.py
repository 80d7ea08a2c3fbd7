"""Diagnostics: the mode-collapse metrics that fit a run's data, computed on its G (and D), with verdicts.

- `live_metrics(gan)`: cheap numbers every few hundred training steps (Trainer.metric_fn), the
  timeline on which a student watches collapse happen.
- `diagnose(source, n, seed) -> dict`: the full report, JSON-friendly (plain numbers, lists,
  strings), for the diagnostics tab, `python -m gan_core evaluate` and the collapse experiment.
- `run_diagnosis(...) -> Diagnosis`: the same report plus the samples behind its pictures.

What is measured depends on the data (see docs/METRICS.md for the definitions):
  2D mixtures     modes covered, high-quality fraction, KL to uniform; plus the below on the points
  2D (no modes)   precision / recall, density / coverage, NDB on the points
  labelled images class histogram from the shipped classifier; precision / recall, density /
                  coverage and Fréchet distance on its penultimate features; NDB on pixels;
                  closest generated pairs; nearest training images
  any, with a D   histograms of D(x) and D(G(z))
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from gan_core.config import BCE_OBJECTIVES
from gan_core.evaluation.classifier import classifier_for
from gan_core.evaluation.metrics import (
    class_histogram,
    closest_pairs,
    d_histograms,
    density_coverage,
    frechet_distance,
    mode_coverage,
    ndb,
    nearest_neighbours,
    precision_recall,
)
from gan_core.evaluation.verdict import Verdict, classes_verdict, modes_verdict, pr_verdict
from gan_core.latent import truncate

LIVE_SAMPLES = 2500  # VEEGAN / PacGAN protocol: 2,500 samples per evaluation (2D)
LIVE_IMAGE_SAMPLES = 500  # images: G + classifier on 500 samples costs ~0.1 s on a CPU
PLOT_POINTS = 1000  # points drawn on the mode map
PAIR_POOL = 1000  # birthday-paradox test: closest pairs among this many samples (support ~ 1000^2)
N_PAIRS = 8
NN_QUERIES = 500  # generated images compared with every training image
N_NEAREST = 8
# A closest generated pair under half as far apart as the closest pair among as many real images
# is a near-duplicate a real data set of that size would not contain.
DUPLICATE_RATIO = 0.5
# Samples that sit, in the median, at under half the distance at which real images sit from their
# nearest *other* real image are closer to the training set than the data is to itself: copies.
MEMORISATION_RATIO = 0.5
NDB_MIN_REAL = 40  # NDB fits its 20 bins on half the real samples: fewer real images (data.n_images) skip it
LEVELS = ("healthy", "warning", "collapse")  # in order of severity


@dataclass
class Diagnosis:
    """A report and what its pictures are drawn from (all on the CPU)."""

    report: dict
    fake: torch.Tensor  # [n, 2] points or [n, C, H, W] images in [-1, 1]
    real: torch.Tensor  # [m, ...] real samples the fakes were compared with
    real_index: torch.Tensor  # [m] their rows in `train`
    train: torch.Tensor  # the whole real data set (what nearest_training indexes into)
    mode_nearest: np.ndarray | None = None  # [n] nearest mode centre of each fake point
    high_quality: np.ndarray | None = None  # [n] within 3 std of that centre
    centers: np.ndarray | None = None  # [M, 2]


# ------------------------------------------------------------------------------- during training

@torch.no_grad()
def live_metrics(gan) -> dict:
    """Cheap diagnostics for the training timeline, from the run's current G (in eval mode).

    2D mixtures: modes covered, high-quality fraction, KL to uniform, and the clump spread (the
    samples' RMS spread over the gap between two modes, as diagnose's verdict uses it) (2,500 samples).
    Labelled images with a shipped classifier: classes covered, KL to uniform, mean confidence
    (500 samples). Anything else: {}.
    """
    G, data = gan.G_eval, gan.data
    generator = torch.Generator(gan.device).manual_seed(12345)  # same z each time: a steady timeline
    if data.centers is not None:
        was = G.training
        G.eval()
        x = G(gan.sample_z(LIVE_SAMPLES, generator=generator))
        G.train(was)
        m = mode_coverage(x, data.centers, data.std)
        return {"modes_covered": m.modes_covered, "n_modes": m.n_modes,
                "high_quality_fraction": m.high_quality_fraction, "kl_to_uniform": m.kl_to_uniform,
                "clump_spread": clump_spread(x.cpu(), data.centers.cpu().double().numpy())}
    judge = _judge(gan.cfg.data.name, tuple(data.x.shape[1:]), gan.device)
    if judge is None:
        return {}
    n = LIVE_IMAGE_SAMPLES
    y = torch.arange(n, device=gan.device) % gan.num_classes if gan.num_classes else None
    was = G.training
    G.eval()
    x = G(gan.sample_z(n, generator=generator), y)  # [n, C, H, W]
    G.train(was)
    h = class_histogram(judge.predict_proba(x))
    return {"classes_covered": h.classes_covered, "n_classes": h.n_classes,
            "kl_to_uniform": h.kl_to_uniform, "mean_confidence": h.mean_confidence}


def _judge(dataset_name: str, image_shape: tuple, device):
    """The shipped classifier for this data if it fits these images, else None."""
    model = classifier_for(dataset_name, device)
    if model is None or tuple(image_shape) != (model.channels, model.image_size, model.image_size):
        return None
    return model


# ---------------------------------------------------------------------------------- full report

def diagnose(source, n: int = 2000, seed: int = 0, truncation: float = 1.0) -> dict:
    """All the metrics that fit the source's data, with verdicts, as a JSON-friendly dict.

    Headline: report["verdict"] (one sentence) and report["level"] (healthy / warning / collapse),
    the most severe of report["verdicts"]. Same source, n and seed -> same numbers.
    truncation: psi of the truncation trick (gan_core.latent.truncate): G samples from z * psi; 1 = off.
    """
    return run_diagnosis(source, n, seed, truncation).report


@torch.no_grad()
def run_diagnosis(source, n: int = 2000, seed: int = 0, truncation: float = 1.0) -> Diagnosis:
    """Generate n samples from z drawn with `seed` (scaled by `truncation`) and measure them against the real data."""
    if n < 20:
        raise ValueError(f"diagnosis needs at least 20 samples; got n={n}")
    t0 = time.perf_counter()
    data = source.real_data()
    fake, y_fake = _generate(source, n, seed, truncation)
    real, y_real, real_index = _real_subset(data, n, seed)
    report = {"source": source.name, "dataset": source.cfg.data.name, "step": int(source.step),
              "n_samples": n, "seed": seed, **({"truncation": truncation} if truncation != 1 else {})}
    verdicts: dict[str, Verdict] = {}
    diag = Diagnosis(report=report, fake=fake, real=real, real_index=real_index, train=data.x)
    if source.is_points:
        _points(diag, data, verdicts)
    else:
        _images(diag, source, y_fake, verdicts)
    if source.D is not None:
        report["d_histograms"] = _d_histograms(source, real, y_real, fake, y_fake)
    report["verdicts"] = {k: v.as_dict() for k, v in verdicts.items()}
    headline = max(verdicts.values(), key=lambda v: LEVELS.index(v.level))  # first of the most severe
    report["verdict"], report["level"] = headline.text, headline.level
    report["seconds"] = round(time.perf_counter() - t0, 2)
    return diag


def _generate(source, n: int, seed: int, truncation: float = 1.0) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n samples on the CPU, in chunks; conditional models get the labels 0, 1, ..., K-1, 0, ..."""
    z = truncate(source.sample_z(n, seed), truncation)  # [n, nz]
    y = torch.arange(n) % source.num_classes if source.num_classes else None
    chunks = [source.generate(z[i:i + 500], None if y is None else y[i:i + 500]).cpu()
              for i in range(0, n, 500)]
    x = torch.cat(chunks).float()
    if not torch.isfinite(x).all():
        raise ValueError("the generator produced NaN or inf: training diverged; pick an earlier checkpoint")
    return x, y


def _real_subset(data, n: int, seed: int):
    """min(n, N) real samples, a seeded random subset: (x, y or None, their indices)."""
    idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
    return data.x[idx].cpu().float(), (data.y[idx].cpu() if data.y is not None else None), idx


def clump_spread(fake: torch.Tensor, centers: np.ndarray) -> float:
    """RMS distance of the samples to their mean, over the smallest gap between two mode centres."""
    x = fake.double().numpy()  # [n, 2]
    spread = float(np.sqrt(((x - x.mean(0)) ** 2).sum(1).mean()))
    gaps = np.linalg.norm(centers[:, None] - centers[None], axis=2)  # [M, M]
    gap = float(gaps[~np.eye(len(centers), dtype=bool)].min()) if len(centers) > 1 else 1.0
    return spread / gap


def _points(diag: Diagnosis, data, verdicts: dict) -> None:
    r, fake, real = diag.report, diag.fake, diag.real
    if data.centers is not None:
        centers = data.centers.cpu().double().numpy()
        cov = mode_coverage(fake, centers, data.std)
        r["modes"] = cov.as_dict()  # modes_covered, n_modes, high_quality_fraction, ...
        verdicts["modes"] = modes_verdict(cov, clump=clump_spread(fake, centers))
        dist = np.linalg.norm(fake.double().numpy()[:, None, :] - centers[None], axis=2)  # [n, M]
        diag.mode_nearest = dist.argmin(1)
        diag.high_quality = dist.min(1) / data.std <= 3.0
        diag.centers = centers
    r["feature_space"] = "the 2D points themselves"
    pr = precision_recall(real, fake)
    r["precision_recall"] = pr.as_dict()
    r["density_coverage"] = density_coverage(real, fake).as_dict()
    r["ndb"] = ndb(real, fake, seed=r["seed"]).as_dict()
    verdicts["precision_recall"] = pr_verdict(pr)


def _images(diag: Diagnosis, source, y_fake, verdicts: dict) -> None:
    r, fake, real = diag.report, diag.fake, diag.real
    judge = _judge(source.cfg.data.name, tuple(fake.shape[1:]), "cpu")
    if judge is not None:
        f_fake, p_fake = judge.embed(fake)  # [n, 64], [n, K]
        f_real, _ = judge.embed(real)
        hist = class_histogram(p_fake)
        r["class_histogram"] = hist.as_dict()
        r["classifier"] = {k: judge.meta.get(k) for k in ("dataset", "held_out_accuracy", "n_held_out")}
        verdicts["classes"] = classes_verdict(hist, noun="digit classes")
        if y_fake is not None:  # a conditional G: does it draw the digit it was asked for?
            r["label_agreement"] = float((p_fake.argmax(1) == y_fake).float().mean())
        r["feature_space"] = f"the classifier's penultimate layer ({f_fake.shape[1]} features)"
        half = len(f_real) // 2
        r["frechet_distance"] = frechet_distance(f_real, f_fake)
        r["frechet_distance_real"] = frechet_distance(f_real[:half], f_real[half:])  # the noise floor
    else:
        f_fake, f_real = fake.flatten(1), real.flatten(1)
        r["feature_space"] = "raw pixels (no classifier ships for this data)"
    pr = precision_recall(f_real, f_fake)
    r["precision_recall"] = pr.as_dict()
    r["density_coverage"] = density_coverage(f_real, f_fake).as_dict()
    verdicts["precision_recall"] = pr_verdict(pr)
    if len(real) >= NDB_MIN_REAL:  # a tiny training set (data.n_images) has too few images to bin
        r["ndb"] = ndb(real, fake, seed=r["seed"]).as_dict()  # bins on pixels, as in the paper
    _pairs_and_copies(diag, verdicts)


def _pairs_and_copies(diag: Diagnosis, verdicts: dict) -> None:
    """Closest generated pairs (duplicates) and nearest training images (copies), in pixels."""
    r, fake, real, train = diag.report, diag.fake, diag.real, diag.train.cpu().float()
    pool = min(PAIR_POOL, len(fake), len(real))
    pairs = closest_pairs(fake[:pool], N_PAIRS)
    real_closest = closest_pairs(real[:pool], 1)[0][2]
    r["closest_pairs"] = {"pool": pool, "real_closest_distance": real_closest,
                          "pairs": [{"i": i, "j": j, "distance": d} for i, j, d in pairs]}
    if pairs[0][2] < DUPLICATE_RATIO * real_closest:
        verdicts["duplicates"] = Verdict("warning", f"warning: near-duplicates: the closest two of {pool} generated "
                                                    f"samples are {pairs[0][2]:.2f} apart, the closest two of {pool} "
                                                    f"real ones {real_closest:.2f}")
    queries = fake[:NN_QUERIES]
    index, dist = nearest_neighbours(queries, train)
    # reference: real images against the *other* training images (drop each one's own copy)
    n_ref = min(200, len(real) - 1)
    ref_d = _nearest_other(real[:n_ref], diag.real_index[:n_ref], train)
    order = np.argsort(dist)[:N_NEAREST]
    r["nearest_training"] = {
        "median_distance": float(np.median(dist)), "real_median_distance": float(np.median(ref_d)),
        "closest": [{"sample": int(i), "train_index": int(index[i]), "distance": float(dist[i])} for i in order]}
    if np.median(dist) < MEMORISATION_RATIO * np.median(ref_d):
        verdicts["memorisation"] = Verdict("warning", f"warning: samples sit closer to training images (median "
                                                      f"{np.median(dist):.2f}) than training images sit to each "
                                                      f"other ({np.median(ref_d):.2f}): G may be copying")


def _nearest_other(queries: torch.Tensor, own_index: torch.Tensor, train: torch.Tensor) -> np.ndarray:
    """Distance from each real query to its nearest training image other than itself: [Q]."""
    d = torch.cdist(queries.flatten(1).double(), train.flatten(1).double())  # [Q, N]
    d[torch.arange(len(queries)), own_index] = float("inf")
    return d.min(1).values.numpy()


def _d_histograms(source, real, y_real, fake, y_fake) -> dict:
    """D(x) on real and D(G(z)) on fake samples, as probabilities for BCE objectives, else scores."""
    D, m = source.D, source.cfg.model.pack
    D.eval()
    device = next(D.parameters()).device
    k = len(real) - len(real) % m
    j = len(fake) - len(fake) % m

    chunk = 512 - 512 % m  # whole packs per chunk

    def run(x, y):  # PacGAN's D judges m samples at once: keep whole packs only
        out = [D(x[i:i + chunk].to(device), None if y is None else y[i:i + chunk].to(device)).cpu()
               for i in range(0, len(x), chunk)]
        return torch.cat(out)

    cond = source.num_classes > 0
    d_real = run(real[:k], y_real[:k] if cond else None)
    d_fake = run(fake[:j], y_fake[:j] if cond else None)
    probability = source.cfg.loss.objective in BCE_OBJECTIVES
    if probability:
        d_real, d_fake = torch.sigmoid(d_real), torch.sigmoid(d_fake)
    hist = d_histograms(d_real, d_fake, bins=30, range=(0.0, 1.0) if probability else None)
    return {**hist, "output": "probability" if probability else "score",
            "mean_real": float(d_real.mean()), "mean_fake": float(d_fake.mean())}
