"""Every GAN objective and penalty against its hand-written formula, and the minimax theory as numbers.

Reference formulas are written with probabilities sigma(l) and plain logs, the way the papers do;
the engine works on logits with softplus. They must agree to float precision.
"""

import math

import pytest
import torch
from torch import nn

from gan_core import losses

LOG4 = math.log(4.0)


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(64, generator=g, dtype=torch.float64) * 2
    fake = torch.randn(64, generator=g, dtype=torch.float64) * 2 - 1
    return real, fake


def close(a, b, tol=1e-10):
    return abs(float(a) - float(b)) < tol


# --- the objectives ----------------------------------------------------------------------------

def test_minimax_g_loss_is_log_one_minus_d(logits):
    _, fake = logits
    assert close(losses.g_loss_minimax(fake), torch.log(1 - torch.sigmoid(fake)).mean())


def test_nonsaturating_g_loss_is_minus_log_d(logits):
    _, fake = logits
    assert close(losses.g_loss_nonsaturating(fake), -torch.log(torch.sigmoid(fake)).mean())


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_bce_d_loss_with_one_sided_label_smoothing(logits, smoothing):
    real, fake = logits
    t = 1.0 - smoothing
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    expected = (-(t * torch.log(d_real) + (1 - t) * torch.log(1 - d_real)).mean()
                - torch.log(1 - d_fake).mean())  # fakes keep target 0: smoothing is one-sided
    assert close(losses.d_loss_bce(real, fake, t), expected)


def test_bce_d_loss_is_minus_value_function_without_smoothing(logits):
    """D maximises V = E log D(x) + E log(1 - D(G(z))), i.e. minimises -V."""
    real, fake = logits
    v = torch.log(torch.sigmoid(real)).mean() + torch.log(1 - torch.sigmoid(fake)).mean()
    assert close(losses.d_loss_bce(real, fake), -v)


def test_bce_losses_stay_finite_at_extreme_logits():
    big = torch.tensor([-200.0, 200.0])
    for value in (losses.d_loss_bce(big, big), losses.g_loss_minimax(big), losses.g_loss_nonsaturating(big)):
        assert torch.isfinite(value)


def test_minimax_saturates_where_nonsaturating_does_not():
    """When D confidently rejects fakes (logit -10) the minimax G loss is flat; -log D(G(z)) is not."""
    fake = torch.full((8,), -10.0, requires_grad=True)
    (g_mm,) = torch.autograd.grad(losses.g_loss_minimax(fake), fake)
    (g_ns,) = torch.autograd.grad(losses.g_loss_nonsaturating(fake), fake)
    assert g_mm.abs().max() < 1e-5
    assert g_ns.abs().min() > 0.1


def test_lsgan(logits):
    real, fake = logits
    assert close(losses.d_loss_lsgan(real, fake), 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean())
    assert close(losses.g_loss_lsgan(fake), 0.5 * ((fake - 1) ** 2).mean())


def test_hinge(logits):
    real, fake = logits
    expected = torch.clamp(1 - real, min=0).mean() + torch.clamp(1 + fake, min=0).mean()
    assert close(losses.d_loss_hinge(real, fake), expected)
    assert close(losses.g_loss_hinge(fake), -fake.mean())


def test_wgan(logits):
    real, fake = logits
    assert close(losses.d_loss_wgan(real, fake), fake.mean() - real.mean())
    assert close(losses.g_loss_wgan(fake), -fake.mean())


@pytest.mark.parametrize("objective,d_fn,g_fn", [
    ("minimax", losses.d_loss_bce, losses.g_loss_minimax),
    ("nonsaturating", losses.d_loss_bce, losses.g_loss_nonsaturating),
    ("lsgan", losses.d_loss_lsgan, losses.g_loss_lsgan),
    ("hinge", losses.d_loss_hinge, losses.g_loss_hinge),
    ("wgan", losses.d_loss_wgan, losses.g_loss_wgan),
    ("wgan-gp", losses.d_loss_wgan, losses.g_loss_wgan),
])
def test_lookup_by_objective_name(logits, objective, d_fn, g_fn):
    real, fake = logits
    assert close(losses.d_loss(objective, real, fake), d_fn(real, fake))
    assert close(losses.g_loss(objective, fake), g_fn(fake))


def test_bce_lookup_passes_the_smoothed_target(logits):
    real, fake = logits
    assert close(losses.d_loss("nonsaturating", real, fake, 0.9), losses.d_loss_bce(real, fake, 0.9))


def test_unknown_objective_is_an_error(logits):
    with pytest.raises(ValueError, match="unknown objective"):
        losses.d_loss("energy", *logits)


# --- penalties ---------------------------------------------------------------------------------

class LinearD(nn.Module):
    """D(x) = <w, x> + b on flattened inputs: its input gradient is w everywhere."""

    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.b = nn.Parameter(torch.tensor(0.3))

    def forward(self, x, y=None):
        return x.flatten(1) @ self.w + self.b


class HalfSquaredNormD(nn.Module):
    """D(x) = 1/2 ||x||^2: its input gradient is x itself."""

    def forward(self, x, y=None):
        return 0.5 * x.flatten(1).pow(2).sum(1)


@pytest.mark.parametrize("shape", [(2,), (1, 4, 4)])
def test_gradient_penalty_on_a_linear_d(shape):
    torch.manual_seed(0)
    dim = math.prod(shape)
    w = torch.randn(dim)
    D = LinearD(w)
    real, fake = torch.randn(16, *shape), torch.randn(16, *shape)
    gp = losses.gradient_penalty(D, real, fake)
    assert gp.item() == pytest.approx((w.norm() - 1).pow(2).item(), rel=1e-5)
    # the penalty trains D: d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||
    gp.backward()
    assert torch.allclose(D.w.grad, 2 * (w.norm() - 1) * w / w.norm(), atol=1e-5)


def test_gradient_penalty_is_zero_for_a_unit_gradient_critic():
    w = torch.tensor([0.6, 0.8])  # ||w|| = 1: exactly 1-Lipschitz
    assert losses.gradient_penalty(LinearD(w), torch.randn(8, 2), torch.randn(8, 2)).item() < 1e-10


def test_gradient_penalty_evaluates_on_the_real_fake_lines():
    """With grad D(x) = x the penalty reveals x_hat = eps real + (1 - eps) fake, eps ~ U(0, 1) per sample."""
    real, fake = torch.randn(32, 2), torch.randn(32, 2)
    gp = losses.gradient_penalty(HalfSquaredNormD(), real, fake, generator=torch.Generator().manual_seed(5))
    eps = torch.rand(32, 1, generator=torch.Generator().manual_seed(5))
    x_hat = eps * real + (1 - eps) * fake
    assert gp.item() == pytest.approx(((x_hat.norm(dim=1) - 1) ** 2).mean().item(), rel=1e-5)


def test_r1_penalty():
    torch.manual_seed(1)
    w = torch.randn(2)
    real = torch.randn(16, 2)
    assert losses.r1_penalty(LinearD(w), real).item() == pytest.approx(w.pow(2).sum().item(), rel=1e-5)
    assert losses.r1_penalty(HalfSquaredNormD(), real).item() == pytest.approx(real.pow(2).sum(1).mean().item(),
                                                                              rel=1e-5)


def test_r1_penalty_does_not_need_or_touch_a_grad_on_the_batch():
    real = torch.randn(4, 2)
    losses.r1_penalty(HalfSquaredNormD(), real)
    assert not real.requires_grad and real.grad is None


def test_feature_matching_loss():
    torch.manual_seed(2)
    f_real = torch.randn(32, 6, requires_grad=True)
    f_fake = torch.randn(32, 6, requires_grad=True)
    loss = losses.feature_matching_loss(f_real, f_fake)
    expected = sum((f_real[:, j].mean() - f_fake[:, j].mean()) ** 2 for j in range(6))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    loss.backward()
    assert f_real.grad is None  # only G is trained by it: the real features are a fixed target
    assert f_fake.grad is not None
    assert losses.feature_matching_loss(f_real, f_real).item() == 0.0


# --- theory ------------------------------------------------------------------------------------

def test_optimal_d():
    p_data = torch.tensor([0.5, 0.3, 0.2, 0.0, 0.0])
    p_g = torch.tensor([0.5, 0.1, 0.0, 0.4, 0.0])
    expected = torch.tensor([0.5, 0.75, 1.0, 0.0, 0.5])  # last: 0 / 0 -> 0.5 (nobody is there)
    assert torch.allclose(losses.optimal_d(p_data, p_g), expected)


def test_js_divergence_reference_values():
    p = torch.tensor([0.2, 0.3, 0.5])
    assert losses.js_divergence(p, p).item() == pytest.approx(0.0, abs=1e-7)
    disjoint_a, disjoint_b = torch.tensor([1.0, 1.0, 0.0, 0.0]), torch.tensor([0.0, 0.0, 3.0, 1.0])
    assert losses.js_divergence(disjoint_a, disjoint_b).item() == pytest.approx(math.log(2), rel=1e-6)


def test_js_divergence_against_scipy():
    from scipy.spatial.distance import jensenshannon

    g = torch.Generator().manual_seed(3)
    p, q = torch.rand(10, generator=g, dtype=torch.float64), torch.rand(10, generator=g, dtype=torch.float64)
    q[3] = 0.0
    expected = jensenshannon(p.numpy(), q.numpy()) ** 2  # scipy returns the square root, in nats
    assert losses.js_divergence(p, q).item() == pytest.approx(expected, rel=1e-9)
    assert losses.js_divergence(p, q).item() == pytest.approx(losses.js_divergence(q, p).item(), rel=1e-12)


def test_minimax_value_at_optimum_extremes():
    p = torch.tensor([0.1, 0.4, 0.5])
    assert losses.minimax_value_at_optimum(p, p).item() == pytest.approx(-LOG4, rel=1e-6)  # p_g = p_data
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert losses.minimax_value_at_optimum(a, b).item() == pytest.approx(0.0, abs=1e-6)  # -log 4 + 2 ln 2 = 0


def test_minimax_value_at_optimum_is_v_of_the_optimal_d():
    """V(D*, G) computed from its definition equals -log 4 + 2 JS (Goodfellow 2014, Theorem 1)."""
    g = torch.Generator().manual_seed(4)
    p_data = torch.rand(12, generator=g, dtype=torch.float64)
    p_g = torch.rand(12, generator=g, dtype=torch.float64)
    p_data, p_g = p_data / p_data.sum(), p_g / p_g.sum()
    d = losses.optimal_d(p_data, p_g)
    v = (p_data * torch.log(d)).sum() + (p_g * torch.log(1 - d)).sum()
    assert losses.minimax_value_at_optimum(p_data, p_g).item() == pytest.approx(v.item(), rel=1e-9)
    assert v.item() > -LOG4  # any G other than p_data does worse than the optimum


class PackedLinearD(LinearD):
    """PacGAN-style: D judges m consecutive samples as one input; D(pack) = <w, flattened pack> + b."""

    def __init__(self, w: torch.Tensor, m: int):
        super().__init__(w)
        self.pack_size = m

    def forward(self, x, y=None):
        return x.reshape(x.shape[0] // self.pack_size, -1) @ self.w + self.b


def test_gradient_and_r1_penalties_treat_a_pack_as_one_input():
    """For a packed linear D the input gradient of each pack is w (length m * d): both penalties see
    ||w|| over the whole pack, not the per-sample pieces of it."""
    torch.manual_seed(2)
    m, d = 4, 2
    w = torch.randn(m * d)
    D = PackedLinearD(w, m)
    real, fake = torch.randn(16, d), torch.randn(16, d)
    assert losses.gradient_penalty(D, real, fake).item() == pytest.approx((w.norm() - 1).pow(2).item(), rel=1e-5)
    assert losses.r1_penalty(D, real).item() == pytest.approx(w.pow(2).sum().item(), rel=1e-5)


def test_gradient_penalty_uses_one_eps_per_pack():
    """grad D = x for D(pack) = 1/2 ||pack||^2: x_hat must mix each whole pack with a single eps."""

    class PackedHalfSquaredNormD(nn.Module):
        pack_size = 2

        def forward(self, x, y=None):
            return 0.5 * x.reshape(x.shape[0] // 2, -1).pow(2).sum(1)

    real, fake = torch.randn(8, 3), torch.randn(8, 3)
    gp = losses.gradient_penalty(PackedHalfSquaredNormD(), real, fake, generator=torch.Generator().manual_seed(1))
    eps = torch.rand(4, generator=torch.Generator().manual_seed(1)).repeat_interleave(2)[:, None]
    x_hat = (eps * real + (1 - eps) * fake).reshape(4, 6)
    assert gp.item() == pytest.approx(((x_hat.norm(dim=1) - 1) ** 2).mean().item(), rel=1e-5)
