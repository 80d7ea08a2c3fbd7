"""gan_core.optimism.OptimisticAdam against its formula, on a bilinear game, and in a checkpoint."""

import pytest
import torch

from gan_core import checkpoint
from gan_core.gan import build_gan
from gan_core.optimism import OptimisticAdam
from gan_core.train import train_step

from conftest import tiny_cfg


def test_each_update_is_adams_plus_the_change_of_the_last_one():
    """Fed the same gradients, Adam's moments match, so u_t is the same in both; optimism then gives
    theta_t = theta_0 + sum_i (2 u_i - u_{i-1}) = theta_adam_t + u_t."""
    torch.manual_seed(0)
    grads = [torch.randn(5) for _ in range(6)]
    a, o = torch.zeros(5, requires_grad=True), torch.zeros(5, requires_grad=True)
    adam, opt = torch.optim.Adam([a], lr=0.1, betas=(0.5, 0.99)), OptimisticAdam([o], lr=0.1, betas=(0.5, 0.99))
    previous = a.detach().clone()
    for g in grads:
        a.grad, o.grad = g.clone(), g.clone()
        adam.step()
        opt.step()
        u = a.detach() - previous  # Adam's own update this step
        assert torch.allclose(o.detach(), a.detach() + u, atol=1e-6)
        previous = a.detach().clone()


def _bilinear(cls, **kw) -> float:
    """min_x max_y x*y from (1, 1), both players stepping at once: the distance to (0, 0) at the end."""
    x, y = torch.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    ox, oy = cls([x], **kw), cls([y], **kw)
    for _ in range(3000):
        gx, gy = torch.autograd.grad((x * y).sum(), [x, y])
        x.grad, y.grad = gx, -gy  # x descends, y ascends
        ox.step()
        oy.step()
    return float(torch.cat([x, y]).detach().norm())


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
@pytest.mark.parametrize("kw", [{"lr": 0.05, "betas": (0.5, 0.99)}, {"lr": 0.01, "betas": (0.0, 0.9)}])
def test_optimism_ends_closer_to_the_equilibrium_of_a_bilinear_game(kw):
    """Plain steps circle (0, 0) (the Theory tab's Dirac-GAN); the optimistic ones end far closer."""
    assert _bilinear(OptimisticAdam, **kw) < 0.6 * _bilinear(torch.optim.Adam, **kw)


def test_the_last_update_travels_with_the_optimisers_state(tmp_path):
    gan = build_gan(tiny_cfg(train={"optimizer": "optimistic-adam"}))
    assert isinstance(gan.opt_g, OptimisticAdam) and isinstance(gan.opt_d, OptimisticAdam)
    for _ in range(3):
        train_step(gan)
    state = gan.opt_g.state_dict()["state"]
    assert all("prev_update" in s for s in state.values())
    path = checkpoint.save(gan, tmp_path / "opt")
    assert checkpoint.load(path).cfg.train.optimizer == "optimistic-adam"


def test_fused_adam_is_refused_with_optimism():
    with pytest.raises(ValueError, match="fused_adam"):
        tiny_cfg(train={"optimizer": "optimistic-adam", "fused_adam": True})
