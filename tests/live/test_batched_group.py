"""BatchedGroup against gan_core: a run stepped inside a group of several (other seeds, other
learning rates) gives the same numbers, step by step, as build_gan + train_step alone."""

import pytest
import torch

from gan_core.gan import build_gan
from gan_core.presets import get_preset
from gan_core.train import train_step
from live.classroom.batched import BatchedGroup, group_key

pytestmark = pytest.mark.usefixtures("one_thread")

# the ring8 recipe at its former size: 3 x 128 MLP, pack 2, EMA 0.99, lr 1e-3, batch 256
RING8 = get_preset("ring8", model={"hidden": 128, "depth": 3},
                   train={"device": "cpu", "batch_size": 256, "lr_g": 1e-3, "lr_d": 1e-3})
SMALL = RING8.replace(model={"hidden": 32, "depth": 2}, train={"batch_size": 128})


def assert_same_numbers(mine: dict, ref: dict, step: int) -> None:
    assert set(mine) == set(ref), step
    for k in ref:
        torch.testing.assert_close(mine[k], ref[k], rtol=1e-4, atol=1e-6, msg=f"{k} at step {step}")


def assert_same_networks(group: BatchedGroup, run_id: str, gan) -> None:
    """The run's exported G, D (and EMA G) against the lone run's, to float rounding."""
    out = group.export(run_id)
    assert out.step == gan.step
    pairs = [(out.G, gan.G), (out.D, gan.D)] + ([(out.G_ema, gan.G_ema)] if gan.G_ema is not None else [])
    for mine, ref in pairs:
        for a, b in zip(mine.state_dict().values(), ref.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def grouped(cfg, run_id="t"):
    """A group holding the run under test between two others with other seeds and learning rates."""
    group = BatchedGroup.for_config(cfg)
    group.add("other-1", cfg.replace(train={"seed": 11, "lr_d": 3e-4}))
    group.add(run_id, cfg)
    group.add("other-2", cfg.replace(train={"seed": 12, "lr_g": 2e-4}, data={"name": "grid25"}))
    return group


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
@pytest.mark.parametrize("cfg, steps", [(RING8, 120), (SMALL, 200)], ids=["ring8", "hidden32-depth2-batch128"])
def test_a_run_in_a_group_matches_the_run_alone(cfg, steps):
    group, gan = grouped(cfg), build_gan(cfg, "cpu")
    everyone = set(group.run_ids)
    for step in range(steps):
        result = group.step(everyone)
        assert result.halted == ()
        assert_same_numbers(result.for_run("t"), train_step(gan), step)
    assert_same_networks(group, "t", gan)


TRICKS = [
    {"loss": {"objective": "minimax", "label_smoothing": 0.1, "instance_noise": 0.2, "instance_noise_steps": 30}},
    {"loss": {"objective": "lsgan"}, "model": {"minibatch_std": True, "noise": "uniform", "pack": 1},
     "train": {"d_steps": 2}},
    {"loss": {"objective": "hinge"}, "model": {"activation": "tanh", "init": "dcgan"},
     "train": {"g_steps": 2, "ema": 0.0}},
    {"train": {"unrolled_steps": 3}},
    {"loss": {"instance_noise": 0.2, "instance_noise_steps": 30},
     "train": {"unrolled_steps": 2, "d_steps": 2, "g_steps": 2}},
]


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
@pytest.mark.parametrize("tricks", TRICKS, ids=["minimax-smoothing-noise", "lsgan-mbstd-uniform-d2", "hinge-tanh-g2",
                                                "unrolled3", "unrolled2-d2-g2-noise"])
def test_objectives_and_tricks_match_the_run_alone(tricks):
    cfg = SMALL.replace(**{k: dict(v) for k, v in tricks.items()})
    assert group_key(cfg) is not None
    group, gan = grouped(cfg), build_gan(cfg, "cpu")
    for step in range(60):
        assert_same_numbers(group.step(set(group.run_ids)).for_run("t"), train_step(gan), step)
    assert_same_networks(group, "t", gan)


@pytest.mark.parametrize("unrolled", [0, 2], ids=["plain", "unrolled2"])
def test_step_modes_pauses_and_a_live_lr_change_match_the_run_alone(unrolled):
    """The run under test steps D only, G only, pauses and changes its lr while the others train."""
    cfg = SMALL.replace(train={"d_steps": 2, "unrolled_steps": unrolled})
    group, gan = grouped(cfg), build_gan(cfg, "cpu")
    others = {"other-1": "both", "other-2": "both"}
    plan = ["both"] * 10 + ["d"] * 3 + [None] * 4 + ["g"] * 3 + ["both"] * 10 + ["d", "g", "both"] * 4
    for step, mode in enumerate(plan):
        if step == 25:
            group.set_lr("t", lr_g=3e-4, lr_d=2e-3)
            gan.set_lr(lr_g=3e-4, lr_d=2e-3)
        if mode is None:  # paused: not in the active set
            result = group.step(others)
            assert "t" not in result.stepped
            continue
        result = group.step({**others, "t": mode})
        assert_same_numbers(result.for_run("t"), train_step(gan, mode), step)
    assert_same_networks(group, "t", gan)
    assert group.export("t").cfg.train.lr_d == 2e-3


def test_exported_generator_is_a_plain_module_that_draws_like_the_lone_run():
    group, gan = grouped(RING8), build_gan(RING8, "cpu")
    for _ in range(20):
        group.step(set(group.run_ids))
        train_step(gan)
    out = group.export("t")
    z = torch.randn(500, 2)
    with torch.no_grad():
        torch.testing.assert_close(out.G_eval(z), gan.G_eval(z), rtol=1e-5, atol=1e-6)
    assert type(out.G_eval) is type(gan.G_eval) and out.G_eval is out.G_ema


def test_runs_with_the_same_data_and_seed_share_one_dataset():
    group = BatchedGroup.for_config(SMALL)
    group.add("a", SMALL)
    group.add("b", SMALL.replace(train={"lr_g": 1e-4}))
    group.add("c", SMALL.replace(train={"seed": 1}))
    assert group.datasets_in_use == 2  # two distinct (data, seed) pairs
    group.remove("c")
    assert group.datasets_in_use == 1
    group.remove("a")
    group.remove("b")
    assert group.datasets_in_use == 0 and len(group) == 0


def test_add_refuses_a_config_of_another_group():
    group = BatchedGroup.for_config(SMALL)
    group.add("a", SMALL)
    with pytest.raises(ValueError, match="does not fit"):
        group.add("b", RING8)
    with pytest.raises(ValueError, match="wgan-gp"):
        group.add("c", SMALL.replace(loss={"objective": "wgan-gp"}))
    with pytest.raises(ValueError, match="already"):
        group.add("a", SMALL)
    with pytest.raises(ValueError, match="cannot be batched"):
        BatchedGroup.for_config(get_preset("ring8-wgan-gp"))


def test_a_run_moves_into_a_group_and_out_again_without_noticing():
    """Alone 15 steps, adopted into a group for 30 (with a live lr change), released for 15 more:
    the same numbers as 60 steps alone."""
    cfg = RING8.replace(model={"hidden": 64, "depth": 2}, train={"batch_size": 128})
    ref, moving = build_gan(cfg, "cpu"), build_gan(cfg, "cpu")
    group = grouped(cfg, run_id="placeholder")
    group.remove("placeholder")
    for step in range(60):
        if step == 15:
            group.adopt("t", moving)
        if step == 30:
            group.set_lr("t", lr_g=5e-4)
            ref.set_lr(lr_g=5e-4)
        if step == 45:
            moving = group.release("t")
            assert "t" not in group.run_ids and moving.step == 45
        numbers = group.step(set(group.run_ids)).for_run("t") if 15 <= step < 45 else train_step(moving)
        assert_same_numbers(numbers, train_step(ref), step)
    for a, b in zip(moving.G_ema.state_dict().values(), ref.G_ema.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert moving.opt_g.param_groups[0]["lr"] == 5e-4


def test_per_run_tricks_in_one_group_match_each_run_alone():
    """Label smoothing and instance noise are per run: a group mixes runs with and without them."""
    plain = SMALL.replace(loss={"objective": "minimax"})
    tricky = plain.replace(loss={"label_smoothing": 0.2, "instance_noise": 0.3, "instance_noise_steps": 40},
                           train={"seed": 4, "lr_g": 5e-4})
    group = BatchedGroup.for_config(plain)
    group.add("plain", plain)
    group.add("tricky", tricky)
    alone = {"plain": build_gan(plain, "cpu"), "tricky": build_gan(tricky, "cpu")}
    for step in range(60):
        result = group.step({"plain", "tricky"})
        for run_id, gan in alone.items():
            assert_same_numbers(result.for_run(run_id), train_step(gan), step)


SWEEP = [(objective, pack, mbstd, depth, act)
         for objective in ("nonsaturating", "minimax", "lsgan", "hinge")
         for pack, mbstd in ((1, False), (2, True), (4, False))
         for depth, act in ((1, "relu"), (3, "leaky_relu"), (0, "tanh"))]


@pytest.mark.parametrize("objective, pack, mbstd, depth, act", SWEEP)
def test_sweep_of_batchable_configs_matches_the_run_alone(objective, pack, mbstd, depth, act):
    """Every batchable objective with PacGAN sizes, minibatch std-dev, depths and activations: 15 steps."""
    cfg = RING8.replace(model={"hidden": 16, "depth": depth, "activation": act, "pack": pack, "minibatch_std": mbstd,
                               "init": "xavier"},
                        loss={"objective": objective}, train={"batch_size": 32, "ema": 0.9})
    group, gan = grouped(cfg), build_gan(cfg, "cpu")
    for step in range(15):
        assert_same_numbers(group.step(set(group.run_ids)).for_run("t"), train_step(gan), step)
    assert_same_networks(group, "t", gan)
