"""Slow motion (gan_core/slow_motion.py): ten phases of ONE real step, the same step as train_step's."""

import math

import numpy as np
import pytest
import torch

from gan_core.gan import build_gan
from gan_core.pictures.slow_motion_draw import frame_picture
from gan_core.presets import get_preset
from gan_core.slow_motion import PHASES, slow_motion_step
from gan_core.train import train_step

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")

CONFIGS = {
    "ring8 (pack, EMA)": get_preset("ring8", data={"n_points": 1000}, train={"device": "cpu"}),
    "tiny 2D": tiny_cfg(),
    "2D instance noise, smoothing, minibatch std": tiny_cfg(loss={"instance_noise": 0.3, "label_smoothing": 0.1},
                                                             model={"minibatch_std": True}),
    "2D wgan-gp, 3 D steps, 2 G steps": tiny_cfg(loss={"objective": "wgan-gp"}, train={"d_steps": 3, "g_steps": 2}),
    "2D spectral norm, unrolled, clipping": tiny_cfg(model={"spectral_norm": True},
                                                     train={"unrolled_steps": 2, "grad_clip": 1.0}),
    "2D lsgan, feature matching, R1": tiny_cfg(loss={"objective": "lsgan", "feature_matching": True, "r1_gamma": 1.0}),
    "2D wgan (weight clipping), sgd": tiny_cfg(loss={"objective": "wgan"}, train={"optimizer": "sgd"}),
    "digits (BatchNorm)": tiny_cfg("digits"),
    "digits conditional, hinge, spectral norm": tiny_cfg("digits", loss={"objective": "hinge"},
                                                         model={"conditional": True, "spectral_norm": True}),
}


def state_of(gan) -> list[torch.Tensor]:
    """Everything that decides a run's future: weights and buffers, optimiser states, EMA, stream."""
    out = [*gan.G.state_dict().values(), *gan.D.state_dict().values(), gan.gen.get_state()]
    for opt in (gan.opt_g, gan.opt_d):
        for s in opt.state_dict()["state"].values():
            out += [v for v in s.values() if torch.is_tensor(v)]
    if gan.G_ema is not None:
        out += list(gan.G_ema.state_dict().values())
    return out


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_ten_phases_are_one_ordinary_step(name):
    cfg = CONFIGS[name]
    plain, slow = build_gan(cfg, "cpu"), build_gan(cfg, "cpu")
    for gan in (plain, slow):  # a few steps first: Adam moments and EMA that are not zero
        for _ in range(3):
            train_step(gan)
    expected = {k: float(v) for k, v in train_step(plain).items()}
    frames = slow_motion_step(slow)
    assert slow.step == plain.step == 4
    for a, b in zip(state_of(slow), state_of(plain), strict=True):
        assert torch.equal(a, b)
    assert frames[-1].numbers == pytest.approx(expected, nan_ok=True)  # the step's numbers, as train_step's
    # and the next ordinary step goes on identically
    assert {k: float(v) for k, v in train_step(slow).items()} == {k: float(v) for k, v in train_step(plain).items()}


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
def test_ten_captions_in_order_each_with_its_phase_and_picture(dataset):
    gan = build_gan(tiny_cfg(dataset), "cpu")
    frames = slow_motion_step(gan)
    assert [f.phase for f in frames] == list(range(1, 11))
    for f, phase in zip(frames, PHASES):
        assert f.caption.startswith(f"{f.phase}/10 · {phase.split(' (')[0]}"), f.caption
        assert f.step == 1
        picture = frame_picture(f)
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3
    # numbers appear as the phases reach them; the last frame has the whole step's
    assert frames[0].numbers == {}
    assert set(frames[1].numbers) == {"d_real", "d_fake"}
    assert {"d_loss", "grad_norm_d", "g_loss", "grad_norm_g"} <= set(frames[-1].numbers)
    assert all(math.isfinite(v) for v in frames[-1].numbers.values())


def test_2d_phases_show_d_change_then_the_fakes_move():
    gan = build_gan(tiny_cfg(train={"lr_d": 0.05, "lr_g": 0.05}), "cpu")
    f = slow_motion_step(gan)
    # phases 1-4: D before its update; 5: after (the heat map changed); the fakes stay until phase 10
    assert f[0].field is f[3].field and f[4].field is not f[3].field
    assert not np.array_equal(f[3].field["heat"], f[4].field["heat"])
    assert np.array_equal(f[3].field["fake"], f[8].field["fake"])
    assert not np.array_equal(f[8].field["fake"], f[9].field["fake"])
    assert "arrows" in f[8].layers and "arrows" not in f[7].layers
    assert len(f[0].field["real"]) == len(f[0].field["fake"]) == gan.cfg.train.batch_size  # the batch itself


def test_image_phases_show_scores_and_the_gradient_on_the_pixels():
    gan = build_gan(tiny_cfg("digits"), "cpu")
    f = slow_motion_step(gan)
    assert f[0].images["fake_score"] is None and f[1].images["fake_score"] is not None
    assert f[1].images["real"] is not None and f[6].images["real"] is None
    assert f[8].images["grad"] is not None and f[8].images["grad"].shape == f[8].images["fake"].shape
    assert not np.array_equal(f[8].images["fake"], f[9].images["fake"])  # G moved
    assert ((f[1].images["fake_score"] >= 0) & (f[1].images["fake_score"] <= 1)).all()  # probabilities (BCE)


def test_captions_say_what_the_picture_simplifies():
    gan = build_gan(tiny_cfg(loss={"instance_noise": 0.2}, train={"d_steps": 2, "unrolled_steps": 1}), "cpu")
    captions = [f.caption for f in slow_motion_step(gan)]
    assert "without the instance noise" in captions[1]
    assert "2 updates per G update" in captions[4]
    assert "unrolled" in captions[8]
