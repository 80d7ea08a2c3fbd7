"""Real training steps: every offline dataset with every objective, each trick once, and seeds.

Networks are tiny (hidden 16, ngf/ndf 8, batch 16) and each dataset is loaded once per module,
so the whole sweep costs seconds.
"""

import copy
import itertools
import math
import zipfile

import numpy as np
import pytest
import torch

from gan_core import losses
from gan_core.config import OBJECTIVES, POINT_DATASETS, RunConfig
from gan_core.data import load_dataset
from gan_core.gan import build_gan
from gan_core.train import instance_noise_std, train_step

from conftest import tiny_cfg

IMAGE_SETS = ("digits", "mnist5k", "folder", "zip")
_DATA: dict = {}


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    """Six small colour PNGs in a folder, and the same files in a .zip."""
    from PIL import Image

    root = tmp_path_factory.mktemp("images")
    folder = root / "pics"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(folder / f"im{i}.png")
    archive = root / "pics.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f.name)
    return {"folder": str(folder), "zip": str(archive)}


def gan_for(cfg: RunConfig):
    """build_gan with the dataset loaded once per module (load_dataset is the real loader)."""
    key = (cfg.data, cfg.train.seed)
    if key not in _DATA:
        _DATA[key] = load_dataset(cfg.data, "cpu", seed=cfg.train.seed)
    return build_gan(cfg, "cpu", _DATA[key])


def finite(out: dict) -> bool:
    return all(math.isfinite(float(v)) for v in out.values())


def params(net) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def same(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


# --- every dataset x every objective --------------------------------------------------------

@pytest.mark.parametrize("dataset,objective", list(itertools.product(POINT_DATASETS + IMAGE_SETS, OBJECTIVES)))
def test_one_step_every_dataset_every_objective(dataset, objective, image_dir):
    gan = gan_for(tiny_cfg(dataset, image_dir, loss={"objective": objective}))
    g_before, d_before = params(gan.G), params(gan.D)
    out = train_step(gan)
    assert set(out) == {"d_loss", "d_real", "d_fake", "grad_norm_d", "g_loss", "grad_norm_g"}
    assert all(v.dim() == 0 for v in out.values())  # 0-dim tensors: nothing read back yet
    assert finite(out)
    assert gan.step == 1
    assert not same(g_before, gan.G.parameters()) and not same(d_before, gan.D.parameters())
    if objective in ("minimax", "nonsaturating"):
        assert 0 <= float(out["d_real"]) <= 1 and 0 <= float(out["d_fake"]) <= 1  # shown as probabilities


def test_folder_and_zip_datasets_are_the_same_images(image_dir):
    a, b = gan_for(tiny_cfg("folder", image_dir)), gan_for(tiny_cfg("zip", image_dir))
    assert a.data.x.shape == (6, 3, 8, 8)
    assert torch.equal(a.data.x, b.data.x)


@pytest.mark.parametrize("mode,d_moves,g_moves", [("d", True, False), ("g", False, True), ("both", True, True)])
def test_modes_update_only_the_named_network(mode, d_moves, g_moves):
    gan = gan_for(tiny_cfg("ring8"))
    g_before, d_before = params(gan.G), params(gan.D)
    out = train_step(gan, mode)
    assert ("d_loss" in out) == d_moves and ("g_loss" in out) == g_moves
    assert same(g_before, gan.G.parameters()) != g_moves
    assert same(d_before, gan.D.parameters()) != d_moves
    with pytest.raises(ValueError, match="mode"):
        train_step(gan, "both-ish")


def test_g_step_leaves_no_gradient_on_d():
    gan = gan_for(tiny_cfg("ring8"))
    train_step(gan, "g")
    assert all(p.grad is None for p in gan.D.parameters())


# --- each trick once --------------------------------------------------------------------------

def test_label_smoothing_reaches_the_d_loss(monkeypatch):
    seen = []
    real_d_loss = losses.d_loss
    monkeypatch.setattr(losses, "d_loss", lambda obj, r, f, t=1.0: seen.append(t) or real_d_loss(obj, r, f, t))
    assert finite(train_step(gan_for(tiny_cfg("ring8", loss={"label_smoothing": 0.1}))))
    assert seen == [pytest.approx(0.9)]


def test_instance_noise_anneals_to_zero():
    gan = gan_for(tiny_cfg("digits", loss={"instance_noise": 0.2, "instance_noise_steps": 100}))
    assert instance_noise_std(gan) == pytest.approx(0.2)
    assert finite(train_step(gan))
    gan.step = 50
    assert instance_noise_std(gan) == pytest.approx(0.1)
    gan.step = 150
    assert instance_noise_std(gan) == 0.0


def test_unrolled_g_step_puts_d_back():
    gan = gan_for(tiny_cfg("ring8", train={"unrolled_steps": 3}))
    train_step(gan, "d")
    d_state = copy.deepcopy(gan.D.state_dict())
    d_opt_steps = gan.opt_d.state_dict()["state"][0]["step"].item()
    g_before = params(gan.G)
    assert finite(train_step(gan, "g"))
    assert all(torch.equal(v, gan.D.state_dict()[k]) for k, v in d_state.items())  # D looked ahead, then restored
    assert gan.opt_d.state_dict()["state"][0]["step"].item() == d_opt_steps
    assert not same(g_before, gan.G.parameters())


def test_unrolled_g_differs_from_plain_g():
    plain, unrolled = gan_for(tiny_cfg("ring8")), gan_for(tiny_cfg("ring8", train={"unrolled_steps": 3}))
    train_step(plain, "g")
    train_step(unrolled, "g")
    assert not same(params(plain.G), unrolled.G.parameters())


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
def test_feature_matching_g_loss(dataset, monkeypatch):
    gan = gan_for(tiny_cfg(dataset, loss={"feature_matching": True}))
    used = []
    fm = losses.feature_matching_loss
    monkeypatch.setattr(losses, "feature_matching_loss", lambda a, b: used.append(a.shape) or fm(a, b))
    out = train_step(gan)
    assert finite(out) and float(out["g_loss"]) >= 0
    assert len(used) == 1 and used[0][0] == 16  # [B, features]


@pytest.mark.parametrize("mode,net", [("d", "D"), ("g", "G")])
def test_grad_clip_bounds_the_gradient_norm(mode, net):
    gan = gan_for(tiny_cfg("ring8", model={"init": "kaiming"}, train={"grad_clip": 1e-3}))
    out = train_step(gan, mode)
    grads = [p.grad for p in getattr(gan, net).parameters() if p.grad is not None]
    assert torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])) <= 1e-3 * (1 + 1e-4)
    assert float(out[f"grad_norm_{net.lower()}"]) > 1e-3  # the norm reported is the one before clipping


def test_ema_generator_is_the_moving_average():
    gan = gan_for(tiny_cfg("digits", train={"ema": 0.9}))
    before = params(gan.G)
    assert same(before, gan.G_ema.parameters()) and gan.G_eval is gan.G_ema
    train_step(gan)
    for b, p, e in zip(before, gan.G.parameters(), gan.G_ema.parameters()):
        assert torch.allclose(e, 0.9 * b + 0.1 * p, atol=1e-7)
    assert not any(p.requires_grad for p in gan.G_ema.parameters())
    for b, e in zip(gan.G.buffers(), gan.G_ema.buffers()):  # BatchNorm statistics are copied
        assert torch.equal(b, e)


def test_r1_penalty_is_added_to_the_d_loss(monkeypatch):
    calls = []
    r1 = losses.r1_penalty
    monkeypatch.setattr(losses, "r1_penalty", lambda D, x, y=None: calls.append(1) or r1(D, x, y))
    gan = gan_for(tiny_cfg("digits", loss={"r1_gamma": 10.0}))
    assert finite(train_step(gan))
    assert calls == [1]


def test_wgan_clips_critic_weights():
    gan = gan_for(tiny_cfg("ring8", loss={"objective": "wgan", "clip_value": 0.01}))
    train_step(gan)
    assert all(p.abs().max() <= 0.01 for p in gan.D.parameters())


@pytest.mark.parametrize("d_steps", [1, 3])
def test_d_steps_updates_d_that_many_times(d_steps):
    gan = gan_for(tiny_cfg("ring8", train={"d_steps": d_steps}))
    train_step(gan)
    assert gan.opt_d.state_dict()["state"][0]["step"].item() == d_steps
    assert gan.opt_g.state_dict()["state"][0]["step"].item() == 1
    gan.d_steps = 2  # the live knob (what Trainer.set_live changes)
    train_step(gan)
    assert gan.opt_d.state_dict()["state"][0]["step"].item() == d_steps + 2


def test_ttur_learning_rates():
    gan = gan_for(tiny_cfg("ring8", train={"lr_g": 1e-4, "lr_d": 4e-4}))
    assert gan.opt_g.param_groups[0]["lr"] == 1e-4 and gan.opt_d.param_groups[0]["lr"] == 4e-4
    assert finite(train_step(gan))
    gan.set_lr(lr_d=1e-3)
    assert gan.opt_d.param_groups[0]["lr"] == 1e-3 and gan.opt_g.param_groups[0]["lr"] == 1e-4
    assert gan.current_config().train.lr_d == 1e-3
    with pytest.raises(ValueError, match="learning rate"):
        gan.set_lr(lr_g=0.0)


def test_sgd_optimiser_takes_plain_gradient_steps():
    gan = gan_for(tiny_cfg("ring8", train={"optimizer": "sgd", "lr_d": 0.1}))
    assert isinstance(gan.opt_g, torch.optim.SGD) and isinstance(gan.opt_d, torch.optim.SGD)
    before = params(gan.D)
    train_step(gan, "d")
    for b, p in zip(before, gan.D.parameters()):
        assert torch.allclose(p, b - 0.1 * p.grad, atol=1e-6)


def test_conditional_step():
    gan = gan_for(tiny_cfg("digits", model={"conditional": True}))
    assert gan.num_classes == 10
    assert finite(train_step(gan))


def test_uniform_noise():
    gan = gan_for(tiny_cfg("ring8", model={"noise": "uniform"}))
    z = gan.sample_z(1000)
    assert z.min() >= -1 and z.max() <= 1 and z.std() > 0.5
    assert finite(train_step(gan))


# --- repeatability ---------------------------------------------------------------------------

def losses_of(cfg: RunConfig, steps: int = 20) -> list[tuple[float, float]]:
    gan = build_gan(cfg, "cpu")  # loads the data itself: the seed must cover that too
    return [(float(o["d_loss"]), float(o["g_loss"])) for o in (train_step(gan) for _ in range(steps))]


@pytest.mark.parametrize("dataset,extra", [("ring8", {"loss": {"instance_noise": 0.1}, "model": {"pack": 2}}),
                                           ("digits", {"loss": {"objective": "wgan-gp"}})])
def test_same_seed_same_losses_different_seed_different(dataset, extra):
    cfg = tiny_cfg(dataset, model=extra.get("model"), loss=extra.get("loss"))
    first = losses_of(cfg)
    torch.manual_seed(123)  # the global stream must not matter: the run has its own
    assert losses_of(cfg) == first
    assert losses_of(cfg.replace(train={"seed": 1})) != first


def test_build_gan_rejects_conditional_without_labels(image_dir):
    cfg = tiny_cfg("digits", model={"conditional": True})
    unlabelled = load_dataset(tiny_cfg("folder", image_dir).data)
    with pytest.raises(ValueError, match="class labels"):
        build_gan(cfg, "cpu", unlabelled)
