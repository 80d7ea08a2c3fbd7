"""live.single.rollback.LastGood: the copy a run goes back to after a NaN."""

import torch

from gan_core.gan import build_gan
from gan_core.train import train_step
from live.single.rollback import LastGood

from conftest import tiny_cfg


def _params(gan):
    return [p.detach().clone() for p in (*gan.G.parameters(), *gan.D.parameters(), *gan.G_ema.parameters())]


def test_restore_brings_back_weights_optimisers_ema_and_step():
    gan = build_gan(tiny_cfg("ring8", train={"ema": 0.9}))
    for _ in range(3):
        train_step(gan)
    good, before = LastGood.of(gan), _params(gan)
    adam_before = gan.opt_g.state_dict()["state"][0]["exp_avg"].clone()
    for _ in range(4):
        train_step(gan)
    assert gan.step == 7 and any(not torch.equal(a, b) for a, b in zip(before, _params(gan)))
    good.restore(gan)
    assert gan.step == 3 and good.step == 3
    assert all(torch.equal(a, b) for a, b in zip(before, _params(gan)))
    assert torch.equal(gan.opt_g.state_dict()["state"][0]["exp_avg"], adam_before)
    train_step(gan)  # training on after a restore must not write into the saved copy
    good.restore(gan)
    assert gan.step == 3 and all(torch.equal(a, b) for a, b in zip(before, _params(gan)))
    assert torch.equal(gan.opt_g.state_dict()["state"][0]["exp_avg"], adam_before)  # Adam's moments too


def test_save_reuses_the_previous_copys_buffers():
    gan = build_gan(tiny_cfg("ring8"))
    good = LastGood.of(gan)
    buffer = good.state["G"][next(iter(good.state["G"]))]
    train_step(gan)
    good.save(gan)
    assert good.state["G"][next(iter(good.state["G"]))] is buffer  # copied into, not reallocated
    assert good.step == 1
    assert torch.equal(buffer, gan.G.state_dict()[next(iter(good.state["G"]))])


def test_the_copy_is_not_the_runs_own_tensors():
    gan = build_gan(tiny_cfg("ring8"))
    good = LastGood.of(gan)
    key = next(iter(good.state["D"]))
    saved = good.state["D"][key].clone()
    train_step(gan)
    assert torch.equal(good.state["D"][key], saved)  # training did not move the copy
