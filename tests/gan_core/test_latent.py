import math

import pytest
import torch
from torch import nn

from gan_core.latent import (
    Directions,
    interpolate,
    latent_norm_profile,
    lerp,
    principal_directions,
    random_walk,
    sample_latent,
    slerp,
    walk,
)

NZ = 8


def _pair(seed=0, nz=NZ):
    z = sample_latent(2, nz, seed=seed)
    return z[0], z[1]


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(NZ, 32), nn.Tanh(), nn.Linear(32, 10))


# --- interpolation ----------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [lerp, slerp])
def test_endpoints_exact(fn):
    z0, z1 = _pair()
    assert torch.equal(fn(z0, z1, 0.0), z0)
    assert torch.equal(fn(z0, z1, 1.0), z1)
    path = fn(z0, z1, torch.tensor([0.0, 0.3, 1.0]))
    assert path.shape == (3, NZ)
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)


@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_interpolate_shape_and_endpoints(method):
    z0, z1 = _pair()
    path = interpolate(z0, z1, 7, method=method)
    assert path.shape == (7, NZ)
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)


def test_lerp_formula_and_batch():
    z0, z1 = _pair()
    assert torch.allclose(lerp(z0, z1, 0.5), (z0 + z1) / 2)
    assert torch.allclose(lerp(z0, z1, 0.25), 0.75 * z0 + 0.25 * z1)
    Z0, Z1 = sample_latent(3, NZ, seed=1), sample_latent(3, NZ, seed=2)
    assert lerp(Z0, Z1, 0.5).shape == (3, NZ)
    assert lerp(Z0, Z1, torch.linspace(0, 1, 5)).shape == (5, 3, NZ)


def test_slerp_orthogonal_unit_vectors():
    z0, z1 = torch.eye(NZ)[0], torch.eye(NZ)[1]
    mid = slerp(z0, z1, 0.5)
    assert torch.allclose(mid, (z0 + z1) / math.sqrt(2), atol=1e-6)
    assert mid.norm().item() == pytest.approx(1.0, abs=1e-6)


def test_slerp_keeps_norm_lerp_dips():
    nz = 128
    z0, z1 = _pair(nz=nz)
    z1 = z1 / z1.norm() * z0.norm()  # equal norms
    t = torch.linspace(0, 1, 11)
    slerp_norms = latent_norm_profile(slerp(z0, z1, t))
    lerp_norms = latent_norm_profile(lerp(z0, z1, t))
    assert torch.allclose(slerp_norms, z0.norm().expand(11), rtol=1e-5)
    assert lerp_norms[5] < 0.8 * z0.norm()  # roughly |z| / sqrt(2) for near-orthogonal z0, z1


def test_slerp_interpolates_norm_linearly():
    z0 = torch.eye(NZ)[0]
    z1 = 3 * torch.eye(NZ)[1]
    assert slerp(z0, z1, 0.5).norm().item() == pytest.approx(2.0, abs=1e-5)


@pytest.mark.parametrize("z1_of", [lambda z: z.clone(), lambda z: 2 * z, lambda z: -z, torch.zeros_like])
def test_slerp_degenerate_no_nan(z1_of):
    z0, _ = _pair()
    z1 = z1_of(z0)
    path = slerp(z0, z1, torch.linspace(0, 1, 9))
    assert torch.isfinite(path).all()
    assert torch.allclose(path, lerp(z0, z1, torch.linspace(0, 1, 9)), atol=1e-5)


def test_slerp_of_identical_vectors_is_constant():
    z0, _ = _pair()
    assert torch.allclose(slerp(z0, z0.clone(), torch.linspace(0, 1, 5)), z0.expand(5, NZ), atol=1e-6)


# --- sampling ---------------------------------------------------------------------------------


def test_sample_latent_seeded_and_ranges():
    assert torch.equal(sample_latent(4, NZ, seed=3), sample_latent(4, NZ, seed=3))
    assert not torch.equal(sample_latent(4, NZ, seed=3), sample_latent(4, NZ, seed=4))
    u = sample_latent(1000, NZ, noise="uniform", seed=0)
    assert u.shape == (1000, NZ) and u.min() >= -1 and u.max() <= 1 and u.min() < -0.9
    state = torch.get_rng_state()
    sample_latent(2, NZ, seed=0)
    assert torch.equal(state, torch.get_rng_state())  # global RNG untouched


# --- principal directions ---------------------------------------------------------------------


def test_principal_directions_orthonormal():
    d = principal_directions(_mlp(), NZ, n_samples=256, n_directions=5)
    assert isinstance(d, Directions)
    assert d.directions.shape == (5, NZ) and d.explained_variance.shape == (5,) and d.mean_z.shape == (NZ,)
    assert torch.allclose(d.directions @ d.directions.T, torch.eye(5), atol=1e-5)
    ev = d.explained_variance
    assert (ev[:-1] >= ev[1:]).all() and 0 < ev.sum() <= 1 + 1e-6


def test_principal_directions_clamped_to_nz():
    d = principal_directions(_mlp(), NZ, n_samples=64, n_directions=50)
    assert d.directions.shape == (NZ, NZ)


def test_first_direction_matches_top_singular_vector_of_linear_G():
    torch.manual_seed(0)
    U, _ = torch.linalg.qr(torch.randn(10, NZ))
    V, _ = torch.linalg.qr(torch.randn(NZ, NZ))
    s = torch.tensor([10.0, 3.0, 2.0, 1.5, 1.0, 0.8, 0.5, 0.3])
    G = nn.Linear(NZ, 10, bias=False)
    with torch.no_grad():
        G.weight.copy_(U @ torch.diag(s) @ V.T)  # W [10, nz], top right singular vector V[:, 0]
    # regressing z on the PC coordinates carries the sampling noise of z's covariance (~1/sqrt(N))
    d = principal_directions(G, NZ, n_samples=2048, n_directions=3)
    assert abs(torch.dot(d.directions[0], V[:, 0])).item() > 0.99
    assert d.explained_variance[0] > 0.8


def test_direction_increases_pc_coordinate():
    G = _mlp()
    d = principal_directions(G, NZ, n_samples=256, n_directions=3)
    with torch.no_grad():
        x = G(sample_latent(256, NZ, seed=0))
        _, _, Vh = torch.linalg.svd(x - x.mean(0), full_matrices=False)
        for k in range(3):
            delta = G(d.mean_z + 0.1 * d.directions[k]) - G(d.mean_z - 0.1 * d.directions[k])
            assert torch.dot(delta, Vh[k]) > 0


@pytest.mark.parametrize("training", [True, False])
def test_mode_restored(training):
    G = _mlp().train(training)
    G[1].train(not training)  # mixed modes survive too
    principal_directions(G, NZ, n_samples=32, n_directions=2)
    assert G.training == training and G[1].training == (not training)


class _ConditionalG(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(3, NZ)
        self.net = nn.Linear(NZ, 12)
        self.seen_training = None

    def forward(self, z, y):
        self.seen_training = self.training
        return self.net(z + self.embed(y)).reshape(-1, 3, 2, 2)  # any output shape is flattened


def test_conditional_G_with_labels():
    G = _ConditionalG()
    d = principal_directions(G, NZ, n_samples=64, n_directions=4, y=2)
    assert d.directions.shape == (4, NZ) and G.seen_training is False and G.training
    d = principal_directions(G, NZ, n_samples=64, n_directions=4, y=torch.randint(0, 3, (64,)), noise="uniform")
    assert torch.allclose(d.directions @ d.directions.T, torch.eye(4), atol=1e-5)


# --- walks ------------------------------------------------------------------------------------


def test_walk():
    z0, _ = _pair()
    D = torch.eye(NZ)[:4]
    assert torch.allclose(walk(z0, D, [1.0, -2.0]), z0 + D[0] - 2 * D[1])
    assert torch.equal(walk(z0, D, torch.zeros(4)), z0)
    d = principal_directions(_mlp(), NZ, n_samples=64, n_directions=3)
    assert walk(sample_latent(5, NZ, seed=0), d, [0.5, 0.5, 0.5]).shape == (5, NZ)


def test_random_walk_smooth_on_shell_and_looping():
    nz = 64
    z0 = sample_latent(1, nz, seed=0)[0]
    path = random_walk(z0, 24, step=0.15, seed=1)
    assert path.shape == (24, nz) and torch.equal(path[0], z0)
    assert torch.allclose(latent_norm_profile(path), z0.norm().expand(24), rtol=1e-5)
    steps = (torch.roll(path, -1, 0) - path).norm(dim=-1)  # includes last -> first (the GIF loop)
    assert steps.max() < 0.1 * z0.norm() and steps.max() < 1.5 * steps.min()
    assert torch.equal(path, random_walk(z0, 24, step=0.15, seed=1))
    assert not torch.equal(path, random_walk(z0, 24, step=0.15, seed=2))


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("call, match", [
    (lambda z0, z1: interpolate(z0, z1, 1), "n_frames"),
    (lambda z0, z1: interpolate(z0, z1, 5, method="cubic"), "method"),
    (lambda z0, z1: interpolate(z0[None], z1[None], 5), r"\[nz\]"),
    (lambda z0, z1: lerp(z0, z1[:4], 0.5), "same shape|share a shape"),
    (lambda z0, z1: slerp(z0, z1, torch.zeros(2, 2)), "1D"),
    (lambda z0, z1: sample_latent(2, NZ, noise="poisson"), "noise"),
    (lambda z0, z1: sample_latent(0, NZ), ">= 1"),
    (lambda z0, z1: latent_norm_profile(z0), r"\[T, nz\]"),
    (lambda z0, z1: walk(z0, torch.eye(NZ)[:2], [1.0, 2.0, 3.0]), "coefficients"),
    (lambda z0, z1: walk(z0, torch.eye(4), [1.0]), "nz"),
    (lambda z0, z1: random_walk(z0, 1), "n_frames"),
    (lambda z0, z1: principal_directions(_mlp(), NZ, n_samples=1), "n_samples"),
    (lambda z0, z1: principal_directions(_ConditionalG(), NZ, n_samples=8, y=torch.zeros(3, dtype=torch.long)),
     "labels"),
])
def test_bad_arguments_raise(call, match):
    z0, z1 = _pair()
    with pytest.raises(ValueError, match=match):
        call(z0, z1)
