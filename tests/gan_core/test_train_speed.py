"""The step's speed-ups change no arithmetic: multi-tensor Adam/SGD and EMA give bit-identical
weights to the per-tensor loops, and the cached parameter lists are the modules' own."""

import pytest
import torch

from gan_core.gan import build_gan
from gan_core.train import train_step

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")

CASES = [("ring8", {"ema": 0.9}, {"pack": 2}), ("digits", {"ema": 0.9}, {}),
         ("ring8", {"optimizer": "sgd", "lr_g": 0.01, "lr_d": 0.01}, {}),
         ("ring8", {"grad_clip": 0.5}, {"spectral_norm": True})]


def per_tensor_twin(gan):
    """The same optimisers as `gan`'s but with PyTorch's per-tensor Python loop (foreach=False)."""
    for name, params in (("opt_g", gan.params_g), ("opt_d", gan.params_d)):
        opt = getattr(gan, name)
        group = {k: v for k, v in opt.param_groups[0].items() if k not in ("params", "foreach")}
        setattr(gan, name, type(opt)(params, **group, foreach=False))
    return gan


@pytest.mark.parametrize("dataset,train,model", CASES)
def test_multi_tensor_updates_are_bit_identical_to_the_loop(dataset, train, model):
    cfg = tiny_cfg(dataset, train=train, model=model)
    fast, slow = build_gan(cfg, "cpu"), per_tensor_twin(build_gan(cfg, "cpu"))
    assert fast.opt_g.param_groups[0]["foreach"] and not slow.opt_g.param_groups[0]["foreach"]
    for _ in range(15):
        a, b = train_step(fast), train_step(slow)
    assert all(torch.equal(a[k], b[k]) for k in a)
    for net in ("G", "D", "G_eval"):
        for p, q in zip(getattr(fast, net).state_dict().values(), getattr(slow, net).state_dict().values()):
            assert torch.equal(p, q), net


def test_ema_is_the_moving_average_of_g():
    gan = build_gan(tiny_cfg("digits", train={"ema": 0.9}), "cpu")  # DCGAN: BatchNorm buffers too
    before = [p.clone() for p in gan.G_ema.parameters()]
    train_step(gan)
    for e, old, p in zip(gan.G_ema.parameters(), before, gan.G.parameters()):
        torch.testing.assert_close(e, 0.9 * old + 0.1 * p)
    for e, b in zip(gan.G_ema.buffers(), gan.G.buffers()):
        assert torch.equal(e, b)


def test_the_cached_parameter_lists_stay_the_modules_own():
    gan = build_gan(tiny_cfg(train={"unrolled_steps": 2}, model={"spectral_norm": True}), "cpu")
    for _ in range(3):
        train_step(gan)  # unrolling loads D's saved state back in place
    gan.G.load_state_dict(gan.G.state_dict())
    assert [id(p) for p in gan.params_g] == [id(p) for p in gan.G.parameters()]
    assert [id(p) for p in gan.params_d] == [id(p) for p in gan.D.parameters()]
    assert all(p.grad is None for p in gan.params_d)  # G's backward left nothing for D's next step


def test_norms_false_skips_only_the_report(monkeypatch):
    cfg = tiny_cfg(train={"grad_clip": 0.01})  # clipping needs the norm: it must still happen
    a, b = build_gan(cfg, "cpu"), build_gan(cfg, "cpu")
    for _ in range(5):
        with_norms, without = train_step(a), train_step(b, norms=False)
    assert {"grad_norm_d", "grad_norm_g"} <= set(with_norms) and not {"grad_norm_d", "grad_norm_g"} & set(without)
    for p, q in zip(a.params_g + a.params_d, b.params_g + b.params_d):
        assert torch.equal(p, q)


def test_the_trainer_asks_for_norms_on_the_plotted_steps(monkeypatch):
    from live.single import trainer as trainer_mod

    asked, real = [], trainer_mod.train_step

    def spy(gan, mode="both", norms=True):
        out = real(gan, mode, norms=norms)
        asked.append((gan.step, norms))
        return out

    monkeypatch.setattr(trainer_mod, "train_step", spy)
    t = trainer_mod.Trainer(tiny_cfg(), device="cpu")  # log_every 5
    t.step(12)
    t.stop()
    assert [s for s, norms in asked if norms] == [5, 10, 12]  # the read-backs at 5 and 10, the job's end
    h = t.snapshot().history
    assert h["step"] == [5, 10, 12] and all(v > 0 for v in h["grad_norm_d"] + h["grad_norm_g"])


@pytest.mark.parametrize("dataset,loss,train,model", [
    ("ring8", {}, {}, {"pack": 2, "minibatch_std": True}),
    ("digits", {"objective": "hinge"}, {}, {"conditional": True}),
    ("ring8", {"feature_matching": True}, {}, {}),
    ("ring8", {}, {"unrolled_steps": 2, "d_steps": 2}, {"spectral_norm": True}),
])
def test_freezing_d_for_g_update_changes_no_number(monkeypatch, dataset, loss, train, model):
    from gan_core import train as train_mod

    cfg = tiny_cfg(dataset, loss=loss, train=train, model=model)
    frozen, plain = build_gan(cfg, "cpu"), build_gan(cfg, "cpu")
    for _ in range(8):
        a = train_step(frozen)
    assert all(p.requires_grad and p.grad is None for p in frozen.params_d)  # unfrozen again, nothing left
    monkeypatch.setattr(train_mod, "_set_requires_grad", lambda params, flag: None)  # D keeps its grads on
    for _ in range(8):
        b = train_step(plain)
    assert all(torch.equal(a[k], b[k]) for k in a)
    for net in ("G", "D"):
        for p, q in zip(getattr(frozen, net).state_dict().values(), getattr(plain, net).state_dict().values()):
            assert torch.equal(p, q), net
