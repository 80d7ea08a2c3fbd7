"""Mode-collapse metrics: pure functions of sample arrays, each returning a small frozen result.

Inputs are numpy arrays or torch tensors (any device); everything is computed in float64 numpy.
Each result has `as_dict()`: plain Python numbers and lists, None where a value is undefined,
ready for JSON or a Gradio component.

Which metric for which question:
- mode_coverage      2D toy mixtures: how many modes does G hit, and how evenly?
- class_histogram    labelled images: which classes does G produce (via a trained classifier)?
- precision_recall   quality (fakes near real data) vs variety (reals near fake data)
- density_coverage   the same question, more robust to outliers
- frechet_distance   one number, distance between two Gaussians fitted to features
- ndb                how many K-means bins of real data G over- or under-fills
- closest_pairs / nearest_neighbours    look at duplicates and copies yourself
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import norm

from gan_core.evaluation.knn import as_numpy as _as_numpy
from gan_core.evaluation.knn import closest_pairs, count_in_balls, flat_rows, kth_neighbour_radii, nearest_neighbours

__all__ = [
    "ModeCoverage", "PrecisionRecall", "DensityCoverage", "ClassHistogram", "NDB",
    "mode_coverage", "precision_recall", "density_coverage", "frechet_distance",
    "class_histogram", "ndb", "closest_pairs", "nearest_neighbours", "d_histograms",
]


def _plain(value):
    """numpy scalars -> Python, tuples -> lists, NaN/inf -> None (JSON has no NaN)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


class _AsDict:
    def as_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


# ---------------------------------------------------------------------------- 2D mixtures

@dataclass(frozen=True)
class ModeCoverage(_AsDict):
    modes_covered: int  # centres nearest to at least one high-quality sample
    n_modes: int  # number of centres
    high_quality_fraction: float  # share of samples within `threshold` std of their nearest centre
    kl_to_uniform: float | None  # KL(histogram of HQ samples over modes || uniform); None if no HQ
    counts: tuple[int, ...]  # HQ samples per mode, [n_modes]

    @property
    def top_mode_share(self) -> float | None:
        """Share of the high-quality samples that sit in the most popular mode."""
        total = sum(self.counts)
        return max(self.counts) / total if total else None

    def as_dict(self) -> dict:
        return {**super().as_dict(), "top_mode_share": self.top_mode_share}


def mode_coverage(samples, centers, std: float, threshold: float = 3.0) -> ModeCoverage:
    """Modes covered and quality on a 2D Gaussian mixture (VEEGAN, Srivastava 2017; PacGAN 2018).

    A sample x is high quality if min_m ||x - c_m|| / std <= threshold. modes covered = number of
    centres that are the nearest centre of at least one HQ sample. With h the histogram of HQ
    samples over the M modes, KL(h || uniform) = sum_m h_m ln(M h_m), taking 0 ln 0 = 0;
    0 when all modes are equally used, ln M when every HQ sample sits in one mode.
    """
    x = _as_numpy(samples, "samples")  # [N, 2]
    c = _as_numpy(centers, "centers")  # [M, 2]
    if len(x) == 0 or len(c) == 0 or x.shape[1] != c.shape[1]:
        raise ValueError(f"need non-empty samples and centers of equal width, "
                         f"got {x.shape}, {c.shape}")
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std}")
    dist = cdist(x, c)  # [N, M]
    nearest = dist.argmin(1)  # [N]
    high_quality = dist[np.arange(len(x)), nearest] / std <= threshold  # [N]
    counts = np.bincount(nearest[high_quality], minlength=len(c))  # [M]
    kl = None
    if counts.sum() > 0:
        h = counts[counts > 0] / counts.sum()
        kl = float(max(0.0, (h * np.log(h * len(c))).sum()))
    return ModeCoverage(
        modes_covered=int((counts > 0).sum()),
        n_modes=len(c),
        high_quality_fraction=float(high_quality.mean()),
        kl_to_uniform=kl,
        counts=tuple(int(n) for n in counts),
    )


# ------------------------------------------------------------------ k-NN manifold metrics

def _feature_pair(real_features, fake_features):
    real = _as_numpy(real_features, "real_features")  # [N, D]
    fake = _as_numpy(fake_features, "fake_features")  # [M, D]
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature widths differ: real {real.shape}, fake {fake.shape}")
    return real, fake


@dataclass(frozen=True)
class PrecisionRecall(_AsDict):
    precision: float  # share of fakes inside the real manifold: quality
    recall: float  # share of reals inside the fake manifold: variety


def precision_recall(real_features, fake_features, k: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    The manifold of a set is the union of balls B(x_i, NND_k(x_i)), NND_k = distance to the k-th
    nearest other point of the same set. precision = (1/M) sum_j 1[fake_j in real manifold];
    recall = (1/N) sum_i 1[real_i in fake manifold]. Balls are open (d < r), as in Naeem's code.
    """
    real, fake = _feature_pair(real_features, fake_features)
    fakes_in_real, _ = count_in_balls(real, kth_neighbour_radii(real, k), fake)  # [M]
    reals_in_fake, _ = count_in_balls(fake, kth_neighbour_radii(fake, k), real)  # [N]
    return PrecisionRecall(
        precision=float((fakes_in_real > 0).mean()),
        recall=float((reals_in_fake > 0).mean()),
    )


@dataclass(frozen=True)
class DensityCoverage(_AsDict):
    density: float  # ~1 when fakes match reals; > 1 when fakes crowd dense real regions
    coverage: float  # share of real balls holding at least one fake, in [0, 1]


def density_coverage(real_features, fake_features, k: int = 5) -> DensityCoverage:
    """Density and coverage (Naeem et al. 2020), using only balls around *real* points.

    density  = 1/(k M) sum_j sum_i 1[Y_j in B(X_i, NND_k(X_i))]
    coverage = 1/N     sum_i 1[exists j: Y_j in B(X_i, NND_k(X_i))]
    X real [N, D], Y fake [M, D]; open balls as in the authors' code, so density is exactly 1
    when Y = X without ties. Fake outliers cannot inflate these, unlike recall.
    """
    real, fake = _feature_pair(real_features, fake_features)
    balls_per_fake, real_ball_hit = count_in_balls(real, kth_neighbour_radii(real, k), fake)
    return DensityCoverage(
        density=float(balls_per_fake.sum() / (k * len(fake))),
        coverage=float(real_ball_hit.mean()),
    )


# ------------------------------------------------------------------- Fréchet distance

def _sqrt_psd(s: np.ndarray) -> np.ndarray:
    """Symmetric square root of a PSD matrix via eigh; tiny negative eigenvalues clipped to 0."""
    w, v = np.linalg.eigh(s)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(real_features, fake_features) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, FID).

    FD = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)).
    Tr (S_r S_g)^(1/2) = sum sqrt(eig(A)), A = S_r^(1/2) S_g S_r^(1/2): A is symmetric PSD and has
    the eigenvalues of S_r S_g, so eigh is stable where sqrtm of the non-symmetric product is not.
    Only comparable between runs that use the same feature extractor.
    """
    real, fake = _feature_pair(real_features, fake_features)
    if len(real) < 2 or len(fake) < 2:
        raise ValueError("need at least 2 samples in each set to estimate a covariance")
    mu_r, mu_g = real.mean(0), fake.mean(0)  # [D]
    s_r = np.atleast_2d(np.cov(real, rowvar=False))  # [D, D]
    s_g = np.atleast_2d(np.cov(fake, rowvar=False))  # [D, D]
    root_r = _sqrt_psd(s_r)
    a = root_r @ s_g @ root_r
    eig = np.clip(np.linalg.eigvalsh((a + a.T) / 2), 0.0, None)
    fd = ((mu_r - mu_g) ** 2).sum() + np.trace(s_r) + np.trace(s_g) - 2.0 * np.sqrt(eig).sum()
    return float(max(fd, 0.0))


# -------------------------------------------------------------------- class histogram

TOP_CLASSES_MASS = 0.9  # "top classes" = the fewest most-frequent classes holding >= 90% of samples


@dataclass(frozen=True)
class ClassHistogram(_AsDict):
    shares: tuple[float, ...]  # share of samples whose argmax class is c, [K]
    entropy: float  # H(shares) in nats, 0 .. ln K
    kl_to_uniform: float  # ln K - H
    classes_covered: int  # classes with share >= min_share
    n_classes: int  # K
    mean_confidence: float  # mean over samples of the max class probability
    top_classes_share: float  # combined share of the `top_classes` most frequent classes
    top_classes: int  # fewest most-frequent classes whose shares add up to >= TOP_CLASSES_MASS


def class_histogram(probs, min_share: float | None = None) -> ClassHistogram:
    """Histogram of predicted classes of generated samples (the MNIST "modes" view).

    probs [N, K]: softmax outputs of a classifier trained on the real data. Each sample counts
    for its argmax class. H = -sum_c s_c ln s_c; KL(s || uniform) = ln K - H.
    min_share defaults to 0.25 / K, a quarter of a fair share: a class G really produces stays far
    above it at a few hundred samples (for N = 1000, K = 10: expected 100, s.d. ~9.5, bar 25),
    while a class reached only by a few misread garbage samples stays below it.
    top_classes: "3 of 10 classes make up 92%" means the 3 most frequent classes are the fewest
    that together hold >= 90% (TOP_CLASSES_MASS) of samples, and they hold 92%.
    mean_confidence is low (near 1/K) when the classifier sees garbage, whatever the histogram.
    """
    p = _as_numpy(probs, "probs")  # [N, K]
    n, k = p.shape
    if n == 0 or k < 2:
        raise ValueError(f"probs must be [N >= 1, K >= 2], got {p.shape}")
    if (p < 0).any() or not np.allclose(p.sum(1), 1.0, atol=1e-3):
        raise ValueError("rows of probs must be probabilities summing to 1 (pass softmax(logits))")
    min_share = 0.25 / k if min_share is None else float(min_share)
    shares = np.bincount(p.argmax(1), minlength=k) / n  # [K]
    nonzero = shares[shares > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum())
    cumulative = np.cumsum(np.sort(shares)[::-1])  # [K], descending shares added up
    top = int(np.searchsorted(cumulative, TOP_CLASSES_MASS - 1e-9)) + 1  # tolerance for 0.1 * 9
    return ClassHistogram(
        shares=tuple(float(s) for s in shares),
        entropy=entropy,
        kl_to_uniform=float(max(0.0, math.log(k) - entropy)),
        classes_covered=int((shares >= min_share).sum()),
        n_classes=k,
        mean_confidence=float(p.max(1).mean()),
        top_classes_share=float(cumulative[top - 1]),
        top_classes=top,
    )


# ------------------------------------------------ number of statistically different bins

@dataclass(frozen=True)
class NDB(_AsDict):
    n_different: int  # bins whose real and fake shares differ at p < alpha
    n_bins: int  # K-means bins
    fraction: float  # n_different / n_bins (NDB/K in the paper)
    real_shares: tuple[float, ...]  # share of (counted) real samples per bin, [n_bins]
    fake_shares: tuple[float, ...]  # share of fake samples per bin, [n_bins]
    different: tuple[bool, ...]  # per bin: significant difference, [n_bins]


def ndb(real, fake, n_bins: int = 20, alpha: float = 0.05, seed: int = 0, *,
        held_out: bool = True) -> NDB:
    """Number of statistically Different Bins (Richardson & Weiss 2018, "On GANs and GMMs").

    K-means with n_bins centres is fitted on real samples; real and fake are assigned to the
    nearest centre. Per bin, a pooled two-proportion z-test: p = (n_r + n_f)/(N_r + N_f),
    z = (n_r/N_r - n_f/N_f) / sqrt(p (1 - p) (1/N_r + 1/N_f)), two-sided p-value < alpha counts.
    A collapsed G leaves many bins empty and overfills a few. Inputs [N, ...] are flattened.

    held_out (default True, unlike the paper): fit the bins on a random half of `real` and count
    real shares on the other half. Counting the very points the bins were fitted to makes their
    shares too even in high dimensions: two samples of the same 784-d Gaussian then "differ"
    in 13 of 20 bins instead of ~1 (alpha * n_bins). held_out=False is the paper's version.
    Deterministic for a given seed.
    """
    from sklearn.cluster import KMeans  # imported here: only this metric needs scikit-learn

    x_r = flat_rows(real, "real")  # [N_r, D], images flattened
    x_f = flat_rows(fake, "fake")  # [N_f, D]
    x_fit = x_r
    if held_out:  # split real into [N_r // 2] rows to fit on, the rest to count
        order = np.random.default_rng(seed).permutation(len(x_r))
        x_fit, x_r = x_r[order[: len(x_r) // 2]], x_r[order[len(x_r) // 2:]]
    if x_r.shape[1] != x_f.shape[1] or len(x_f) == 0 or len(x_fit) < n_bins:
        raise ValueError(f"need >= n_bins real rows to fit (2x when held_out) and fakes of "
                         f"the same width, got real {x_fit.shape} to fit, fake {x_f.shape}")
    kmeans = KMeans(n_clusters=n_bins, n_init=3, random_state=seed).fit(x_fit)
    n_r = np.bincount(kmeans.predict(x_r), minlength=n_bins)  # [n_bins]
    n_f = np.bincount(kmeans.predict(x_f), minlength=n_bins)  # [n_bins]
    share_r, share_f = n_r / len(x_r), n_f / len(x_f)
    pooled = (n_r + n_f) / (len(x_r) + len(x_f))
    se = np.sqrt(pooled * (1 - pooled) * (1 / len(x_r) + 1 / len(x_f)))
    z = np.divide(share_r - share_f, se, out=np.zeros(n_bins), where=se > 0)
    different = 2 * norm.sf(np.abs(z)) < alpha  # [n_bins]
    return NDB(
        n_different=int(different.sum()),
        n_bins=n_bins,
        fraction=float(different.mean()),
        real_shares=tuple(float(s) for s in share_r),
        fake_shares=tuple(float(s) for s in share_f),
        different=tuple(bool(d) for d in different),
    )


# ---------------------------------------------------------------- discriminator outputs

def d_histograms(d_real, d_fake, bins: int = 30, range: tuple[float, float] | None = None) -> dict:
    """Histograms of D(x) and D(G(z)) on shared bin edges, for plotting one over the other.

    A D that separates them perfectly (two far-apart humps) gives G vanishing gradients under the
    saturating loss. Inputs of any shape are flattened. range defaults to the min and max of both;
    values outside an explicit range are not counted.
    Returns {"edges": [bins + 1], "real_counts": [bins], "fake_counts": [bins]} as plain lists.
    """
    r = _as_numpy(d_real, "d_real", ndim=None).ravel()
    f = _as_numpy(d_fake, "d_fake", ndim=None).ravel()
    edges = np.histogram_bin_edges(np.concatenate([r, f]), bins=bins, range=range)
    return {
        "edges": [float(e) for e in edges],
        "real_counts": [int(c) for c in np.histogram(r, bins=edges)[0]],
        "fake_counts": [int(c) for c in np.histogram(f, bins=edges)[0]],
    }
