"""Slow motion: ONE real training step, played as ten phases a student can follow (after GAN Lab).

    frames = slow_motion_step(gan)     # gan.step + 1, exactly as train_step(gan) would leave it
    frames[0].caption                   # "1/10 · G draws samples from noise: ..."

The step itself is gan_core.train's: the same `d_step` and `g_step` calls in train_step's order,
so the weights, optimiser states and random stream after the ten phases are bit-identical to one
ordinary step (tests/gan_core/test_slow_motion.py). Around those calls this module only *looks*: it peeks
at the batch the D update is about to draw (on a copy of the run's random stream), and between the
updates it runs forward passes with no effect on training (no random draws, BatchNorm and
spectral-norm buffers on copies, gradients only with respect to the samples). What each phase
shows is what the step used: the batch's real points, the fakes G(z) of the batch's z, D before
and after its update, G before and after its own.

The phases, in order (PHASES):
  1 G draws samples from noise        6 G draws again (the same batch: the step reuses it)
  2 D scores real and fake            7 D scores the fakes (with its new weights)
  3 D's loss                          8 G's loss
  4 D's gradients                     9 G's gradients (the arrows: where G's loss pushes each fake)
  5 D updates (the heat map changes) 10 G updates (the fakes move)

2D data: each frame carries the field arrays (gan_core.pictures.field) of its phase and the layers to draw.
Images: each frame carries a few of the batch's samples with D's score on each (and, in phase 9,
the gradient of G's loss on each fake's pixels). Pictures: gan_core/pictures/slow_motion_draw.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from gan_core import losses
from gan_core.gan import GAN
from gan_core.pictures.field import compute_field
from gan_core.train import d_report, d_step, g_step

PHASES = (
    "G draws samples from noise",
    "D scores real and fake",
    "D's loss",
    "D's gradients",
    "D updates (the heat map changes)",
    "G draws again",
    "D scores the fakes",
    "G's loss",
    "G's gradients (the arrows appear)",
    "G updates (the fakes move)",
)
N_REAL_SHOWN, N_FAKE_SHOWN = 8, 16  # images: samples of the batch shown with their scores


@dataclass(frozen=True)
class Frame:
    """One phase of the step, ready to show."""

    phase: int  # 1..10
    caption: str  # "3/10 · D's loss: ..." in words a student can follow, with this phase's numbers
    step: int  # the step this iteration makes (the run's step count after it)
    numbers: dict = field(default_factory=dict)  # the step's numbers known by this phase (floats)
    field: dict | None = None  # 2D: gan_core.pictures.field arrays of this phase (real = the batch's real points)
    layers: tuple = ()  # 2D: the field layers this phase draws
    images: dict | None = None  # images (numpy): real/fake [n, C, H, W] in [-1, 1], real_score/fake_score [n], grad


# -- looking without touching --------------------------------------------------------------------

def _kept(module: nn.Module, *args) -> torch.Tensor:
    """module(*args) as the step calls it (train mode), on copies of its buffers: BatchNorm's running
    statistics and spectral norm's power-iteration vectors change in the copies only. The module's
    own buffers stay untouched, version counters included: the fake batch the G update reuses
    carries an autograd graph that saved them."""
    buffers = {name: b.clone() for name, b in module.named_buffers()}
    return torch.func.functional_call(module, buffers, args)


@dataclass
class _TrainingNets:
    """compute_field's view of a run with G itself (not its EMA copy): the G this step trains."""

    G: nn.Module
    D: nn.Module
    cfg: object
    data: object
    device: torch.device

    @property
    def G_eval(self) -> nn.Module:
        return self.G


def _peek_batch(gan: GAN) -> tuple:
    """(real, y_real, z, y_fake): what the next d_step will draw, in its order, from a copy of the
    run's stream (the stream itself is put back: the step then draws the very same batch)."""
    state = gan.gen.get_state()
    B = gan.cfg.train.batch_size
    real, y_real = gan.data.sample(B, gan.gen)
    z, y_fake = gan.sample_z(B), gan.sample_labels(B)
    gan.gen.set_state(state)
    return real, y_real, z, y_fake


def _scores(gan: GAN, logits: torch.Tensor) -> torch.Tensor:
    """D's output per sample as the curves show it (probability or raw score); with PacGAN each
    sample gets its pack's score."""
    shown = losses.d_output(gan.cfg.loss.objective, logits)
    return shown.float().repeat_interleave(gan.cfg.model.pack)


def _look_points(gan: GAN, batch: tuple) -> dict:
    """2D: the field of the networks as they are now, on the batch's z, with the batch's real points."""
    real, _, z, _ = batch
    look = compute_field(_TrainingNets(gan.G, gan.D, gan.cfg, gan.data, gan.device), z)
    look["real"] = real.detach().cpu().numpy()
    return look


def _look_images(gan: GAN, batch: tuple, with_grad: bool) -> dict:
    """Images: G(z) of the batch and D's score on each sample, computed as the step computes them
    (train mode, the whole batch), the first few kept; with_grad adds -dL_G/dx for each fake."""
    real, y_real, z, y_fake = batch
    with torch.no_grad():
        fake = _kept(gan.G, z, y_fake)
        real_scores = _scores(gan, _kept(gan.D, real, y_real))
    fake = fake.detach().requires_grad_(with_grad)
    with torch.set_grad_enabled(with_grad):
        fake_logits = _kept(gan.D, fake, y_fake)
        grad = None
        if with_grad:  # the gradient of G's loss with respect to each fake's pixels (not D's weights)
            (grad,) = torch.autograd.grad(losses.g_loss(gan.cfg.loss.objective, fake_logits), fake)
    n, m = N_REAL_SHOWN, N_FAKE_SHOWN
    cpu = lambda t: t.detach().float().cpu()[:m].numpy()  # noqa: E731  (numpy: no torch tensor crosses a process)
    return {"real": cpu(real)[:n], "real_score": cpu(real_scores)[:n], "fake": cpu(fake),
            "fake_score": cpu(_scores(gan, fake_logits.detach())), "grad": None if grad is None else -cpu(grad)}


def _look(gan: GAN, batch: tuple, with_grad: bool = False) -> dict:
    return _look_points(gan, batch) if gan.data.is_points else _look_images(gan, batch, with_grad)


def _fake_report(gan: GAN, batch: tuple) -> float:
    """Mean D output on the batch's fakes, as the curves' D(G(z)) (looking only: buffers kept)."""
    _, _, z, y_fake = batch
    with torch.no_grad():
        return float(d_report(gan, _kept(gan.D, _kept(gan.G, z, y_fake), y_fake)))


# -- the step, phase by phase ------------------------------------------------------------------------

def slow_motion_step(gan: GAN) -> list[Frame]:
    """One training step of `gan` (train_step(gan, "both")), returned as ten Frames. The last
    frame's numbers are the step's numbers, as train_step reports them (floats)."""
    cfg = gan.cfg
    for net in (gan.G, gan.D):
        net.train()
    if cfg.train.compile == "reduce-overhead":
        torch.compiler.cudagraph_mark_step_begin()
    n_d = gan.d_steps
    for _ in range(n_d - 1):  # train_step: all but the last D update report nothing
        d_step(gan, norms=False)
    batch = _peek_batch(gan)
    before = _look(gan, batch)  # G and D as the D update finds them
    d_numbers, fake = d_step(gan, keep_fake=True, norms=True)
    after_d = _look(gan, batch, with_grad=True)  # D updated, G not yet: what G's update answers
    d_fake_after = _fake_report(gan, batch)
    numbers = {k: float(v) for k, v in d_numbers.items()}
    for j in range(cfg.train.g_steps):  # the first G update reuses the D update's fake batch
        numbers.update({k: float(v) for k, v in g_step(gan, fake if j == 0 else None, norms=True).items()})
    gan.step += 1
    after_g = _look(gan, batch)  # the same z through the updated G: the fakes moved
    numbers["d_fake_after"] = d_fake_after
    return _frames(gan, numbers, before, after_d, after_g)


def notes(cfg) -> dict[int, str]:
    """What a phase's picture simplifies for this run's settings, said in its caption."""
    t, lc = cfg.train, cfg.loss
    said: dict[int, list[str]] = {}
    if t.d_steps > 1:
        said.setdefault(5, []).append(f"D takes {t.d_steps} updates per G update; this was the last of them")
    if lc.instance_noise > 0:
        said.setdefault(2, []).append("the pictures show D's scores without the instance noise it trains with")
    if lc.objective == "wgan-gp" or lc.r1_gamma > 0:
        said.setdefault(3, []).append("plus the gradient penalty")
    if cfg.model.pack > 1:
        said.setdefault(2, []).append(f"PacGAN: D scores packs of {cfg.model.pack} samples, "
                                      "each sample shows its pack's score")
    if t.unrolled_steps:
        said.setdefault(9, []).append(f"G actually answers D looked {t.unrolled_steps} updates ahead (unrolled); "
                                      "the arrows show the current D")
    if lc.feature_matching:
        said.setdefault(8, []).append("with feature matching G's loss compares D's features; "
                                      "the arrows show the usual G loss")
    if t.g_steps > 1:
        said.setdefault(10, []).append(f"G takes {t.g_steps} updates per step; the picture is after all of them")
    if t.ema > 0:
        said.setdefault(10, []).append("the live picture shows G's moving average; here G itself")
    return {phase: "; ".join(parts) for phase, parts in said.items()}


def _fmt(v: float) -> str:
    return "NaN" if not math.isfinite(v) else f"{v:.3g}"


def _captions(cfg, n: dict, batch_size: int) -> list[str]:
    prob = losses.d_output_kind(cfg.loss.objective) == "probability"
    d_out = "the probability D gives that a sample is real" if prob else "D's raw score (higher = more real)"
    what = "point" if cfg.data.is_points else "image"
    moved = "the purple points move along the arrows" if cfg.data.is_points else "the same z now gives these images"
    return [
        f"G draws samples from noise: {batch_size} noise vectors z go through G, "
        f"giving {batch_size} fake {what}s G(z).",
        f"D scores real and fake: D(x) = {_fmt(n['d_real'])} on the real batch, D(G(z)) = {_fmt(n['d_fake'])} on the "
        f"fakes ({d_out}).",
        f"D's loss ({cfg.loss.objective}): {_fmt(n['d_loss'])}. It is low when D tells real from fake.",
        f"D's gradients: back-propagating D's loss gives, for every weight of D, which way lowers the loss "
        f"(total norm {_fmt(n['grad_norm_d'])}).",
        f"D updates: one {cfg.train.optimizer.capitalize()} step on D's weights; its view of the plane changes."
        if cfg.data.is_points else
        f"D updates: one {cfg.train.optimizer.capitalize()} step on D's weights; its scores on the same images change.",
        "G draws again: the same fakes, since G has not changed yet (the step reuses this batch for G's update).",
        f"D scores the fakes with its new weights: D(G(z)) = {_fmt(n['d_fake_after'])}.",
        f"G's loss ({cfg.loss.objective}): {_fmt(n['g_loss'])}. G wants D to score its fakes as real.",
        f"G's gradients: the arrows show where G's loss pushes each fake (total norm on G's weights "
        f"{_fmt(n['grad_norm_g'])})." if cfg.data.is_points else
        f"G's gradients: red pixels would make D score the fake as more real, blue less (total norm on G's weights "
        f"{_fmt(n['grad_norm_g'])}).",
        f"G updates: one {cfg.train.optimizer.capitalize()} step on G's weights; {moved}.",
    ]


# what each phase shows: (which look, 2D field layers, image parts to show)
_SHOWS = (
    ("before", ("real", "fake", "manifold"), ("fake",)),
    ("before", ("real", "fake", "heat"), ("real", "fake", "scores")),
    ("before", ("real", "fake", "heat"), ("real", "fake", "scores")),
    ("before", ("real", "fake", "heat"), ("real", "fake", "scores")),
    ("after_d", ("real", "fake", "heat"), ("real", "fake", "scores")),
    ("after_d", ("real", "fake", "manifold"), ("fake",)),
    ("after_d", ("fake", "heat"), ("fake", "scores")),
    ("after_d", ("fake", "heat"), ("fake", "scores")),
    ("after_d", ("fake", "heat", "arrows"), ("fake", "scores", "grad")),
    ("after_g", ("real", "fake", "heat", "manifold"), ("fake", "scores")),
)
_KNOWN = (set(), {"d_real", "d_fake"}, {"d_loss"}, {"grad_norm_d"}, set(), set(), {"d_fake_after"}, {"g_loss"},
          {"grad_norm_g"}, set())


def _frames(gan: GAN, numbers: dict, before: dict, after_d: dict, after_g: dict) -> list[Frame]:
    looks = {"before": before, "after_d": after_d, "after_g": after_g}
    captions, said = _captions(gan.cfg, numbers, gan.cfg.train.batch_size), notes(gan.cfg)
    frames, known = [], set()
    probability = losses.d_output_kind(gan.cfg.loss.objective) == "probability"
    for i, ((look, layers, parts), text) in enumerate(zip(_SHOWS, captions)):
        phase = i + 1
        known |= _KNOWN[i]
        caption = f"{phase}/{len(PHASES)} · {text}" + (f" Note: {said[phase]}." if phase in said else "")
        shown = {k: v for k, v in numbers.items() if k in known}
        if phase == len(PHASES):
            shown = {k: v for k, v in numbers.items() if k != "d_fake_after"}  # the step's own numbers
        if gan.data.is_points:
            frames.append(Frame(phase, caption, gan.step, shown, field=looks[look], layers=layers))
        else:
            frames.append(Frame(phase, caption, gan.step, shown, images=_image_parts(looks[look], parts, probability)))
    return frames


def _image_parts(look: dict, parts: tuple, probability: bool) -> dict:
    """The parts of an image look a phase shows (the others are None)."""
    scores = "scores" in parts
    return {"probability": probability, "real": look["real"] if "real" in parts else None,
            "real_score": look["real_score"] if "real" in parts and scores else None,
            "fake": look["fake"], "fake_score": look["fake_score"] if scores else None,
            "grad": look["grad"] if "grad" in parts else None}
