"""Metrics against values worked out by hand on small constructed inputs."""

import json
import math

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm

from gan_core.evaluation import knn
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

# Ring-8 reference: centres at linspace(0, 2 pi, 9)[:8] on radius 2, std 0.02.
ANGLES = np.linspace(0, 2 * np.pi, 9)[:8]
RING = 2.0 * np.stack([np.cos(ANGLES), np.sin(ANGLES)], 1)  # [8, 2]
STD = 0.02


def _gauss(n=200, d=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def _with_moments(x, mean, var):
    """Rescale x [N, D] so its sample mean is `mean` and sample covariance is diag(var) exactly."""
    x = x - x.mean(0)
    w, v = np.linalg.eigh(np.cov(x, rowvar=False))
    white = x @ v @ np.diag(w ** -0.5) @ v.T  # sample covariance = I
    return white * np.sqrt(var) + mean


def _json_ok(result):
    json.dumps(result.as_dict(), allow_nan=False)


# --- mode coverage --------------------------------------------------------------------------


def test_ring_collapsed_onto_one_mode():
    x = RING[0] + 0.5 * STD * _gauss(500, 2)  # all within 3 std of centre 0
    cov = mode_coverage(x, RING, STD)
    assert cov.modes_covered == 1 and cov.n_modes == 8
    assert cov.counts == (500, 0, 0, 0, 0, 0, 0, 0)
    assert cov.high_quality_fraction == 1.0
    assert cov.kl_to_uniform == pytest.approx(math.log(8))
    assert cov.top_mode_share == 1.0 and cov.as_dict()["top_mode_share"] == 1.0


def test_ring_all_modes_evenly_and_far_samples():
    x = np.repeat(RING, 10, axis=0) + 0.01 * _gauss(80, 2)  # 10 per mode, 0.5 std noise
    far = np.array([[0.0, 0.0], [10.0, 10.0]])  # off every mode: not high quality
    cov = mode_coverage(np.concatenate([x, far]), RING, STD)
    assert cov.modes_covered == 8 and cov.counts == (10,) * 8
    assert cov.kl_to_uniform == pytest.approx(0.0, abs=1e-12)
    assert cov.high_quality_fraction == pytest.approx(80 / 82)
    _json_ok(cov)


def test_ring_two_modes_kl_and_threshold():
    x = np.concatenate([np.repeat(RING[:1], 30, 0), np.repeat(RING[3:4], 10, 0)])
    cov = mode_coverage(x + [0.05, 0], RING, STD)  # 2.5 std off every centre
    h = np.array([0.75, 0.25])
    assert cov.modes_covered == 2
    assert cov.kl_to_uniform == pytest.approx((h * np.log(8 * h)).sum())
    none = mode_coverage(x + [0.05, 0], RING, STD, threshold=2.0)
    assert none.modes_covered == 0 and none.kl_to_uniform is None
    assert none.as_dict()["kl_to_uniform"] is None
    _json_ok(none)


# --- precision / recall, density / coverage --------------------------------------------------


def test_identical_sets():
    x = _gauss()
    pr = precision_recall(x, x.copy())
    assert (pr.precision, pr.recall) == (1.0, 1.0)
    dc = density_coverage(x, x.copy())
    assert dc.coverage == 1.0 and dc.density == pytest.approx(1.0)  # open balls: k points each
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-9)


def test_disjoint_far_apart_sets():
    x = _gauss()
    shift = np.full(x.shape[1], 100.0)
    pr = precision_recall(x, x + shift)
    dc = density_coverage(x, x + shift)
    assert (pr.precision, pr.recall, dc.density, dc.coverage) == (0.0, 0.0, 0.0, 0.0)
    # equal covariances: the trace term vanishes and FD = ||mu_r - mu_g||^2
    assert frechet_distance(x, x + shift) == pytest.approx((shift ** 2).sum(), rel=1e-9)


def test_precision_recall_by_hand():
    real = np.array([[0.0], [1.0], [3.0], [7.0]])  # NND_1 radii 1, 1, 2, 4
    fake = np.array([[0.2], [0.5], [20.0], [20.5]])  # NND_1 radii 0.3, 0.3, 0.5, 0.5
    pr = precision_recall(real, fake, k=1)
    assert pr.precision == 0.5  # 0.2 in B(0, 1), 0.5 in B(0, 1); 20 and 20.5 nowhere
    assert pr.recall == 0.25  # only real 0 is within 0.3 of fake 0.2


def test_density_coverage_by_hand():
    real = np.array([[0.0], [1.0], [3.0], [7.0]])  # NND_2 radii: 3, 2, 3, 6
    fake = np.array([[0.2], [0.4]])
    # fake 0.2: distances 0.2<3, 0.8<2, 2.8<3, 6.8>6 -> 3 balls; fake 0.4: 0.4, 0.6, 2.6, 6.6 -> 3
    dc = density_coverage(real, fake, k=2)
    assert dc.density == pytest.approx(6 / (2 * 2))  # 1/(kM) * 6 = 1.5
    assert dc.coverage == 0.75  # ball around 7 holds no fake
    _json_ok(dc)


def test_kth_radii_excludes_self_but_not_duplicates():
    x = np.array([[0.0], [0.0], [5.0]])
    assert knn.kth_neighbour_radii(x, 1).tolist() == [0.0, 0.0, 5.0]
    with pytest.raises(ValueError):
        knn.kth_neighbour_radii(x, 3)


# --- Fréchet distance -------------------------------------------------------------------------


def test_frechet_diagonal_gaussians_closed_form():
    mu_r, var_r = np.array([0.0, 1.0, -2.0]), np.array([1.0, 4.0, 0.25])
    mu_g, var_g = np.array([1.0, 1.0, 0.0]), np.array([9.0, 1.0, 0.25])
    real = _with_moments(_gauss(500, 3, 1), mu_r, var_r)
    fake = _with_moments(_gauss(300, 3, 2), mu_g, var_g)
    expected = ((mu_r - mu_g) ** 2).sum() + ((np.sqrt(var_r) - np.sqrt(var_g)) ** 2).sum()
    assert expected == pytest.approx(5.0 + 4.0 + 1.0)
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(fake, real) == pytest.approx(expected, rel=1e-9)


def test_frechet_matches_sqrtm_formula():
    real, fake = _gauss(300, 6, 3), _gauss(200, 6, 4) @ np.diag([1, 2, 3, 1, 1, 0.5]) + 0.3
    s_r, s_g = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    ref = (((real.mean(0) - fake.mean(0)) ** 2).sum()
           + np.trace(s_r + s_g - 2 * sqrtm(s_r @ s_g).real))
    assert frechet_distance(real, fake) == pytest.approx(ref, rel=1e-7)


# --- class histogram --------------------------------------------------------------------------


def _one_hot(labels, k=10):
    return np.eye(k)[labels]


def test_class_histogram_uniform():
    h = class_histogram(_one_hot(np.arange(1000) % 10))
    assert h.shares == (0.1,) * 10
    assert h.entropy == pytest.approx(math.log(10))
    assert h.kl_to_uniform == pytest.approx(0, abs=1e-12)
    assert h.classes_covered == 10 and h.n_classes == 10 and h.mean_confidence == 1.0
    assert (h.top_classes, h.top_classes_share) == (9, pytest.approx(0.9))
    _json_ok(h)


def test_class_histogram_one_class_and_garbage():
    h = class_histogram(_one_hot(np.full(50, 3)))
    assert h.entropy == 0.0 and h.kl_to_uniform == pytest.approx(math.log(10))
    assert (h.classes_covered, h.top_classes, h.top_classes_share) == (1, 1, 1.0)
    flat = class_histogram(np.full((20, 10), 0.1))  # classifier has no idea
    assert flat.mean_confidence == pytest.approx(0.1)


def test_class_histogram_top_classes_and_min_share():
    labels = np.array([1] * 50 + [7] * 30 + [4] * 12 + [0, 2, 3, 5, 6, 8, 9, 9])  # N = 100
    h = class_histogram(_one_hot(labels))
    assert (h.top_classes, h.top_classes_share) == (3, pytest.approx(0.92))
    assert h.classes_covered == 3  # default min share 0.025: the singletons (0.01) do not count
    assert class_histogram(_one_hot(labels), min_share=0.01).classes_covered == 10
    with pytest.raises(ValueError, match="softmax"):
        class_histogram(np.full((4, 10), 3.0))  # logits, not probabilities


# --- NDB --------------------------------------------------------------------------------------


def test_ndb_identical_vs_shifted():
    real = _gauss(600, 2, 5)
    same = ndb(real, real.copy(), n_bins=10)
    assert same.n_different == 0 and same.fraction == 0.0 and same.n_bins == 10
    assert sum(same.real_shares) == pytest.approx(1) and sum(same.fake_shares) == pytest.approx(1)
    shifted = ndb(real, real + [3.0, 0.0], n_bins=10)
    assert shifted.n_different >= 7
    assert ndb(real, real + [3.0, 0.0], n_bins=10) == shifted  # seeded: deterministic
    paper = ndb(real, real.copy(), n_bins=10, held_out=False)
    assert paper.n_different == 0 and paper.real_shares == paper.fake_shares
    _json_ok(shifted)


def test_ndb_same_distribution_few_bins_differ():
    # held-out real shares: a second sample of the same 64-d Gaussian differs in ~alpha * n_bins
    assert ndb(_gauss(800, 64, 6), _gauss(800, 64, 7), n_bins=10).n_different <= 2


# --- closest pairs / nearest neighbours ---------------------------------------------------------


def _brute_pairs(x):
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    return sorted((d[i, j], i, j) for i in range(len(x)) for j in range(i + 1, len(x)))


def test_closest_pairs_finds_inserted_duplicate():
    x = np.random.default_rng(8).random((300, 1, 28, 28))  # images are flattened
    x[211] = x[17]
    x[40] = x[5] + 1e-3
    pairs = closest_pairs(x, n_pairs=3)
    assert pairs[0] == (17, 211, 0.0)
    assert pairs[1][:2] == (5, 40) and pairs[1][2] == pytest.approx(1e-3 * 28)
    assert pairs[2][2] > 1.0


@pytest.mark.parametrize("chunk", [7, 1 << 22])
def test_closest_pairs_matches_brute_force(monkeypatch, chunk):
    monkeypatch.setattr(knn, "_CHUNK_ELEMENTS", chunk)  # 7 -> one row per block
    x = _gauss(40, 5, 9)
    expected = [(i, j, d) for d, i, j in _brute_pairs(x)[:10]]
    got = closest_pairs(x, n_pairs=10)
    assert [(i, j) for i, j, _ in got] == [(i, j) for i, j, _ in expected]
    assert [d for *_, d in got] == pytest.approx([d for *_, d in expected])


def test_nearest_neighbours_exact(monkeypatch):
    monkeypatch.setattr(knn, "_CHUNK_ELEMENTS", 50)  # several query blocks
    ref = _gauss(30, 8, 10)
    picks = np.array([3, 29, 0, 3, 17])
    noise = 1e-3 * _gauss(5, 8, 11)
    index, dist = nearest_neighbours(ref[picks] + noise, ref)
    assert index.tolist() == picks.tolist()
    assert dist == pytest.approx(np.linalg.norm(noise, axis=1), rel=1e-9)
    index, dist = nearest_neighbours(ref, ref)  # every row is its own copy
    assert index.tolist() == list(range(30)) and dist.tolist() == [0.0] * 30


# --- D histograms, inputs -----------------------------------------------------------------------


def test_d_histograms_shared_edges():
    h = d_histograms(np.array([0.0, 0.1, 0.2]), np.array([[0.9], [1.0]]), bins=10)
    assert len(h["edges"]) == 11 and h["edges"][0] == 0.0 and h["edges"][-1] == 1.0
    assert sum(h["real_counts"]) == 3 and sum(h["fake_counts"]) == 2
    assert h["real_counts"][0] == 1 and h["fake_counts"][-1] == 2
    assert d_histograms([0.25], [5.0], bins=4, range=(-1, 1))["real_counts"] == [0, 0, 1, 0]
    json.dumps(h, allow_nan=False)


def test_torch_input_equals_numpy_input():
    real, fake = _gauss(60, 3, 12), _gauss(50, 3, 13) + 0.5
    t_real, t_fake = torch.tensor(real, dtype=torch.float64), torch.tensor(fake)
    assert precision_recall(t_real, t_fake) == precision_recall(real, fake)
    assert density_coverage(t_real, t_fake) == density_coverage(real, fake)
    assert frechet_distance(t_real, t_fake) == frechet_distance(real, fake)
    assert mode_coverage(torch.tensor(RING[:1] + 0.01), torch.tensor(RING), STD) == \
        mode_coverage(RING[:1] + 0.01, RING, STD)
    probs = torch.softmax(torch.randn(40, 10, generator=torch.Generator().manual_seed(0)), 1)
    assert class_histogram(probs) == class_histogram(probs.double().numpy())
    assert closest_pairs(t_real, 4) == closest_pairs(real, 4)


def test_loud_validation():
    with pytest.raises(ValueError, match="2D"):
        precision_recall(np.zeros(5), np.zeros((5, 1)))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.full((3, 2), np.nan), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="widths differ"):
        density_coverage(_gauss(10, 2), _gauss(10, 3))
