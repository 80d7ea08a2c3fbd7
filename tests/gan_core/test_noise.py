"""One sample_z for every z in the project (gan_core/noise.py)."""

from __future__ import annotations

import pytest
import torch

from gan_core.noise import NOISES, sample_z, seeded_z


def test_gaussian_and_uniform_have_their_laws():
    g = torch.Generator().manual_seed(0)
    z = sample_z(20000, 4, "gaussian", g)
    assert z.shape == (20000, 4) and abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    u = sample_z(20000, 4, "uniform", g)
    assert u.min() >= -1 and u.max() <= 1 and abs(u.var() - 1 / 3) < 0.01  # Var U(-1, 1) = 1/3


def test_same_generator_state_same_z_and_seeded_z_is_reproducible():
    for noise in NOISES:
        a = sample_z(5, 3, noise, torch.Generator().manual_seed(7))
        assert torch.equal(a, seeded_z(5, 3, noise, 7))
        assert not torch.equal(a, seeded_z(5, 3, noise, 8))


def test_an_unknown_noise_is_refused():
    with pytest.raises(ValueError, match="noise must be one of"):
        sample_z(2, 2, "laplace")
