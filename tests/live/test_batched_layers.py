"""live.classroom.batched's pieces against gan_core's: the batched G and D against MLPGenerator /
MLPDiscriminator, the per-run losses against gan_core.losses, the per-run Adam against
torch.optim.Adam, and group_key's choice of what can be batched."""

import pytest
import torch

from gan_core import losses
from gan_core.config import RunConfig
from gan_core.models.mlp import MLPDiscriminator, MLPGenerator
from gan_core.presets import get_preset
from live.classroom.batched import group_key, objectives, why_not_batched
from live.classroom.batched.adam import adam_update
from live.classroom.batched.layers import BatchedDiscriminator, BatchedGenerator

pytestmark = pytest.mark.usefixtures("one_thread")
R = 3


@pytest.mark.parametrize("hidden, depth, act",
                         [(128, 3, "relu"), (32, 2, "tanh"), (8, 1, "leaky_relu"), (16, 0, "relu")])
def test_generator_matches_mlp_generator(hidden, depth, act):
    spec = BatchedGenerator(nz=2, hidden=hidden, depth=depth, act=act)
    plain = [MLPGenerator(nz=2, hidden=hidden, depth=depth, act=act) for _ in range(R)]
    flat = torch.stack([spec.row_from(G) for G in plain])  # [R, P]
    assert flat.shape == (R, spec.layout.n_params) == (R, sum(p.numel() for p in plain[0].parameters()))
    z = torch.randn(R, 64, 2)
    out = spec(spec.layout.layers(flat), z)  # [R, 64, 2]
    for r in range(R):
        torch.testing.assert_close(out[r], plain[r](z[r]), rtol=0, atol=0)
    back = spec.plain()
    spec.load_row(flat[1], back)
    for a, b in zip(back.state_dict().values(), plain[1].state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("hidden, depth, act, pack, mbstd", [(128, 3, "relu", 2, False), (64, 2, "relu", 1, True),
                                                              (32, 2, "tanh", 4, True), (8, 0, "relu", 1, False)])
def test_discriminator_matches_mlp_discriminator_and_its_gradients(hidden, depth, act, pack, mbstd):
    spec = BatchedDiscriminator(hidden=hidden, depth=depth, act=act, pack=pack, minibatch_std=mbstd)
    plain = [MLPDiscriminator(hidden=hidden, depth=depth, act=act, pack_size=pack, minibatch_std=mbstd)
             for _ in range(R)]
    flat = torch.stack([spec.row_from(D) for D in plain])
    x = torch.randn(R, 128, 2)
    leaves = spec.layout.leaves(flat)
    out = spec(leaves, x)  # [R, 128 / pack]
    assert out.shape == (R, 128 // pack)
    # the mean over all = sum of per-run means / R
    grad = spec.layout.flat_grad(losses.g_loss_nonsaturating(out) * R, leaves)
    for r in range(R):
        ref = plain[r](x[r])
        torch.testing.assert_close(out[r], ref, rtol=0, atol=0)
        losses.g_loss_nonsaturating(ref).backward()
        ref_grad = torch.cat([p.grad.reshape(-1) for p in _linear_params(plain[r])])
        torch.testing.assert_close(grad[r], ref_grad, rtol=1e-6, atol=1e-9)


def _linear_params(D):
    """D's parameters in the flat row's order: each linear layer's weight then bias, body then head."""
    layers = [m for m in D.body if isinstance(m, torch.nn.Linear)] + [D.head]
    return [t for lin in layers for t in (lin.weight, lin.bias)]


@pytest.mark.parametrize("objective", objectives.BATCHED_OBJECTIVES)
def test_per_run_losses_match_gan_core_losses(objective):
    real, fake = torch.randn(R, 50) * 3, torch.randn(R, 50) * 3
    target = torch.tensor([1.0, 0.9, 0.8]) if objective in ("nonsaturating", "minimax") else torch.ones(R)
    d, g = objectives.d_loss(objective, real, fake, target), objectives.g_loss(objective, fake)
    for r in range(R):
        kwargs = {"real_target": float(target[r])} if objective in ("nonsaturating", "minimax") else {}
        torch.testing.assert_close(d[r], losses.d_loss(objective, real[r], fake[r], **kwargs))
        torch.testing.assert_close(g[r], losses.g_loss(objective, fake[r]))
    with pytest.raises(ValueError, match="not batched"):
        objectives.d_loss("wgan-gp", real, fake, target)


def test_adam_per_run_lr_and_step_counts_match_torch_adam():
    """Three runs with their own lr, joining at different steps and pausing: each equals its own torch Adam."""
    torch.manual_seed(0)
    P, betas, lrs = 40, (0.5, 0.999), [1e-3, 3e-4, 0.05]
    start = torch.randn(R, P)
    refs = [start[r].clone().requires_grad_() for r in range(R)]
    opts = [torch.optim.Adam([p], lr=lr, betas=betas, foreach=True) for p, lr in zip(refs, lrs)]
    param, m, v = start.clone(), torch.zeros(R, P), torch.zeros(R, P)
    steps = [0] * R
    for t in range(30):
        active = [r for r in range(R) if not (r == 1 and t < 5) and not (r == 2 and 10 <= t < 15)]
        grads = torch.randn(R, P) * torch.tensor([1.0, 1e-6, 10.0])[:, None]
        index = torch.tensor(active)
        for r in active:
            refs[r].grad = grads[r].clone()
            opts[r].step()
            steps[r] += 1
        p_a, m_a, v_a = param[index], m[index], v[index]
        adam_update(p_a, grads[index], m_a, v_a, torch.tensor([steps[r] for r in active], dtype=torch.float64),
                    torch.tensor([lrs[r] for r in active], dtype=torch.float64), betas)
        for t_all, t_a in ((param, p_a), (m, m_a), (v, v_a)):
            t_all[index] = t_a
    for r in range(R):
        torch.testing.assert_close(param[r], refs[r].detach(), rtol=1e-6, atol=1e-9)
        torch.testing.assert_close(m[r], opts[r].state[refs[r]]["exp_avg"], rtol=1e-6, atol=1e-12)


def test_group_key_batches_the_2d_presets_and_refuses_the_rest():
    ring8 = get_preset("ring8")
    key = group_key(ring8)
    assert key is not None and key.hidden == 32 and key.pack == 2 and key.ema == 0.99
    # per-run settings do not split a group
    for other in (ring8.replace(train={"seed": 3, "lr_g": 1e-4, "lr_d": 5e-4}), ring8.replace(data={"name": "grid25"}),
                  ring8.replace(loss={"label_smoothing": 0.1, "instance_noise": 0.1}),
                  ring8.replace(model={"init": "dcgan"})):
        assert group_key(other) == key
    # architecture and step recipe do
    for other in (ring8.replace(model={"hidden": 64}), ring8.replace(train={"batch_size": 256}),
                  ring8.replace(loss={"objective": "hinge"}), ring8.replace(train={"d_steps": 2}),
                  ring8.replace(train={"ema": 0.0}), ring8.replace(train={"unrolled_steps": 3})):
        assert group_key(other) not in (None, key)
    assert group_key(get_preset("ring8-collapse")) is not None
    for cfg, why in ((get_preset("ring8-wgan-gp"), "wgan-gp"), (get_preset("digits"), "MLP"),
                     (ring8.replace(loss={"r1_gamma": 1.0}), "R1"),
                     (ring8.replace(model={"spectral_norm": True}), "spectral"),
                     (ring8.replace(loss={"feature_matching": True}), "feature matching"),
                     (ring8.replace(train={"compile": "default"}), "compile"),
                     (ring8.replace(train={"grad_clip": 1.0}), "clipping"),
                     (ring8.replace(loss={"objective": "wgan"}), "wgan"),
                     (ring8.replace(train={"optimizer": "sgd"}), "Adam")):
        assert group_key(cfg) is None
        assert why in why_not_batched(cfg)
    assert why_not_batched(RunConfig()) is None
