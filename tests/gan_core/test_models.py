"""Every network for every supported shape and option: G outputs in [-1, 1], D outputs one logit per
(packed) input, unsupported sizes fail with a message. Tiny widths keep the sweep fast."""

import itertools

import pytest
import torch
from torch import nn

from gan_core.config import IMAGE_SIZES, ConfigError, RunConfig
from gan_core.models import SIZES, DCGANDiscriminator, DCGANGenerator, build_models
from gan_core.models.layers import MinibatchStd, init_weights, pack

NZ, K, B = 8, 10, 4


pytestmark = pytest.mark.usefixtures("one_thread")

# (spectral_norm, minibatch_std, pack): each trick alone, then all together
VARIANTS = {"plain": (False, False, 1), "sn": (True, False, 1), "mbstd": (False, True, 1), "pack2": (False, False, 2),
            "all": (True, True, 4)}
SWEEP = list(itertools.product(IMAGE_SIZES, (1, 3), (False, True), VARIANTS))  # 80 networks


def image_cfg(conditional=False, sn=False, mbstd=False, pack_size=1, objective="nonsaturating", r1=0.0):
    return RunConfig.from_dict({
        "data": {"name": "digits"},
        "model": {"arch": "dcgan", "nz": NZ, "ngf": 8, "ndf": 8, "conditional": conditional, "spectral_norm": sn,
                  "minibatch_std": mbstd, "pack": pack_size},
        "loss": {"objective": objective, "r1_gamma": r1},
        "train": {"batch_size": B, "device": "cpu"},
    })


def point_cfg(depth=2, mbstd=False, pack_size=1, act="relu"):
    return RunConfig.from_dict({
        "data": {"name": "ring8"},
        "model": {"arch": "mlp", "nz": 2, "hidden": 16, "depth": depth, "minibatch_std": mbstd, "pack": pack_size,
                  "activation": act},
        "train": {"batch_size": B, "device": "cpu"},
    })


def has_spectral_norm(m: nn.Module) -> bool:
    return nn.utils.parametrize.is_parametrized(m, "weight")


@pytest.mark.parametrize("size,channels,conditional,variant", SWEEP)
def test_dcgan_shapes(size, channels, conditional, variant):
    sn, mbstd, pack_size = VARIANTS[variant]
    torch.manual_seed(0)
    G, D = build_models(image_cfg(conditional, sn, mbstd, pack_size), (channels, size, size), K)
    y = torch.arange(B) % K if conditional else None
    z = 50 * torch.randn(B, NZ)  # far outside N(0, I): tanh must still bound the pixels
    x = G(z, y)
    assert x.shape == (B, channels, size, size)
    assert x.min() >= -1 and x.max() <= 1
    logits, features = D(x, y, return_features=True)
    assert logits.shape == (B // pack_size,)
    assert features.shape[0] == B // pack_size
    assert torch.isfinite(logits).all()
    convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert all(has_spectral_norm(c) for c in convs) == sn
    assert convs[0].in_channels == (channels + (K if conditional else 0)) * pack_size
    assert isinstance(D.mbstd, MinibatchStd) == mbstd
    batch_norm = any(isinstance(m, nn.BatchNorm2d) for m in D.modules())
    assert batch_norm == (not sn)  # spectral norm and BatchNorm fight; D drops BN with SN


def test_d_outputs_raw_logits_not_probabilities():
    torch.manual_seed(0)
    G, D = build_models(image_cfg(), (1, 8, 8))
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())
    with torch.no_grad():
        D.head.weight.mul_(1000)  # a confident D: logits far outside [0, 1]
    assert D(G(torch.randn(B, NZ))).abs().max() > 1


@pytest.mark.parametrize("objective,r1,batch_norm", [("nonsaturating", 0.0, True), ("wgan-gp", 0.0, False),
                                                     ("hinge", 1.0, False)])
def test_d_drops_batch_norm_under_per_sample_gradient_penalties(objective, r1, batch_norm):
    _, D = build_models(image_cfg(objective=objective, r1=r1), (1, 8, 8))
    assert any(isinstance(m, nn.BatchNorm2d) for m in D.modules()) == batch_norm


@pytest.mark.parametrize("size", [16, 48, 128])
def test_unsupported_image_size_is_a_clear_error(size):
    with pytest.raises(ValueError, match=r"supports image sizes \[8, 28, 32, 64\]"):
        DCGANGenerator(nz=NZ, ngf=8, image_size=size, channels=1)
    with pytest.raises(ValueError, match=str(size)):
        DCGANDiscriminator(ndf=8, image_size=size, channels=1)
    with pytest.raises(ConfigError, match="data.image_size"):
        RunConfig.from_dict({"data": {"name": "digits", "image_size": size}, "model": {"arch": "dcgan"}})


def test_sizes_table_matches_config():
    assert tuple(sorted(SIZES)) == IMAGE_SIZES


def test_conditional_models_need_labels():
    G, D = build_models(image_cfg(conditional=True), (1, 8, 8), K)
    with pytest.raises(ValueError, match="class labels"):
        G(torch.randn(B, NZ))
    with pytest.raises(ValueError, match="class labels"):
        D(torch.zeros(B, 1, 8, 8))


def test_conditional_g_depends_on_the_label():
    torch.manual_seed(0)
    G, _ = build_models(image_cfg(conditional=True), (1, 8, 8), K)
    G.eval()
    z = torch.randn(1, NZ).expand(2, NZ)
    x = G(z, torch.tensor([3, 7]))
    assert not torch.allclose(x[0], x[1])


def test_unconditional_config_ignores_num_classes():
    G, D = build_models(image_cfg(conditional=False), (1, 8, 8), num_classes=K)
    assert G.num_classes == 0 and D.num_classes == 0


@pytest.mark.parametrize("depth,mbstd,pack_size,act", [(0, False, 1, "relu"), (1, False, 1, "tanh"),
                                                       (3, True, 1, "leaky_relu"), (2, False, 2, "relu"),
                                                       (2, True, 4, "relu")])
def test_mlp_shapes(depth, mbstd, pack_size, act):
    torch.manual_seed(0)
    G, D = build_models(point_cfg(depth, mbstd, pack_size, act), (2,))
    x = G(torch.randn(B, 2))
    assert x.shape == (B, 2)
    logits, features = D(x, return_features=True)
    assert logits.shape == (B // pack_size,)
    assert features.shape == (B // pack_size, 16)
    linears = [m for m in G.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == depth + 1


def test_mlp_d_uses_leaky_relu_when_asked_for_relu():
    _, D = build_models(point_cfg(act="relu"), (2,))
    assert any(isinstance(m, nn.LeakyReLU) for m in D.modules())
    assert not any(type(m) is nn.ReLU for m in D.modules())


def test_mlp_points_are_not_squashed():
    G, _ = build_models(point_cfg(), (2,))
    with torch.no_grad():
        G.net[-1].bias.fill_(5.0)
    assert G(torch.randn(B, 2)).min() > 1  # 2D data is unbounded; no tanh on G's output


def test_mlp_conditional_models():
    from gan_core.models import MLPDiscriminator, MLPGenerator

    G = MLPGenerator(nz=2, hidden=16, depth=2, act="relu", num_classes=3)
    D = MLPDiscriminator(hidden=16, depth=2, act="relu", num_classes=3, pack_size=2)
    y = torch.arange(B) % 3
    assert D(G(torch.randn(B, 2), y), y).shape == (B // 2,)


def test_pack_groups_consecutive_samples():
    x = torch.arange(24.0).view(6, 2, 1, 2)
    packed = pack(x, 3)
    assert packed.shape == (2, 6, 1, 2)
    assert torch.equal(packed[1], torch.cat([x[3], x[4], x[5]]))
    with pytest.raises(ValueError, match="cannot be packed"):
        pack(torch.zeros(5, 2), 2)


def test_minibatch_std_feature():
    h = torch.tensor([[0.0, 2.0], [2.0, 6.0]])  # per-feature population std: 1 and 2 -> mean 1.5
    out = MinibatchStd()(h)
    assert out.shape == (2, 3)
    assert torch.allclose(out[:, 2], torch.full((2,), 1.5), atol=1e-4)
    assert MinibatchStd()(torch.ones(4, 3, 2, 2)).shape == (4, 4, 2, 2)


@pytest.mark.parametrize("scheme", ["dcgan", "xavier", "kaiming", "default"])
def test_init_schemes(scheme):
    torch.manual_seed(0)
    G = DCGANGenerator(nz=NZ, ngf=32, image_size=32, channels=1)
    before = [p.clone() for p in G.parameters()]
    init_weights(G, scheme)
    convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    if scheme == "dcgan":
        assert all(abs(c.weight.std().item() - 0.02) < 0.004 for c in convs)
    if scheme == "default":
        assert all(torch.equal(a, b) for a, b in zip(before, G.parameters()))
    else:
        assert not torch.equal(before[0], convs[0].weight)


def test_a_seed_gives_the_same_networks_while_other_threads_build_theirs():
    """Module inits draw from torch's one global stream: a run built while another thread builds (a
    student's Start while the class process exports a run) must still get exactly its seed's weights."""
    import threading

    from gan_core.models import build_models

    from conftest import tiny_cfg

    cfg = tiny_cfg()
    want = [p.detach().clone() for p in build_models(cfg, (2,))[0].parameters()]
    stop = threading.Event()

    def others():
        seed = 1
        while not stop.is_set():
            build_models(cfg.replace(train={"seed": seed}), (2,))
            seed += 1

    thread = threading.Thread(target=others)
    thread.start()
    try:
        for _ in range(200):
            got = list(build_models(cfg, (2,))[0].parameters())
            assert all(torch.equal(a, b) for a, b in zip(want, got))
    finally:
        stop.set()
        thread.join()
