"""Which runs can be stepped together: `group_key(cfg)`.

Runs with equal keys share one architecture and one step recipe, so a `BatchedGroup` can stack
them. Everything that is not in the key stays per run: the seed (weights, noise, batches), the
dataset (any 2D point set with the same number of points), the weight init, the learning rates,
one-sided label smoothing and instance noise.

Batchable: MLP on 2D points, unconditional, with the objectives nonsaturating, minimax, lsgan
or hinge; PacGAN packing; minibatch std-dev; EMA of G; D:G step ratios; unrolled D; Adam. Anything
else (WGAN and WGAN-GP, R1, spectral norm, feature matching, gradient clipping, SGD,
bf16 autocast, torch.compile, images) gives None: the caller trains that run alone, the usual
way (`gan_core.train`). `why_not_batched` says why, in words.

`train.fused_adam` is ignored: the group has its own Adam (the same arithmetic as the
multi-tensor one). `train.device` is ignored too: a group lives on the device it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from gan_core.config import RunConfig
from live.classroom.batched.objectives import BATCHED_OBJECTIVES


@dataclass(frozen=True)
class GroupKey:
    """The config fields that runs stepped together must share."""

    nz: int
    noise: str  # z ~ N(0, I) or U(-1, 1)
    hidden: int
    depth: int
    activation: str
    pack: int
    minibatch_std: bool
    objective: str
    batch_size: int
    d_steps: int
    g_steps: int
    betas_g: tuple[float, float]
    betas_d: tuple[float, float]
    ema: float  # 0 = off; one decay for the whole group
    unrolled_steps: int  # unrolled D: k look-ahead D updates before each G update (unroll.py); 0 = off
    n_points: int  # every run's dataset is stacked into one tensor [U, n_points, 2]


# Every field of RunConfig, and what a batched group does with it. tests/live/test_batched_key.py walks
# them all: a field added to gan_core.config fails that test until someone decides here, so a new trick
# can never be silently ignored by batched runs.
IN_THE_KEY = frozenset({  # runs stepped together share these (GroupKey below)
    "model.nz", "model.noise", "model.hidden", "model.depth", "model.activation", "model.pack", "model.minibatch_std",
    "loss.objective", "train.batch_size", "train.d_steps", "train.g_steps", "train.betas_g", "train.betas_d",
    "train.ema", "train.unrolled_steps", "data.n_points"})
PER_RUN = frozenset({  # each run of a group keeps its own (its book, its stream, its dataset)
    "data.name", "data.points", "model.init", "loss.label_smoothing", "loss.instance_noise",
    "loss.instance_noise_steps", "loss.instance_noise_start", "train.lr_g", "train.lr_d", "train.seed",
    "train.log_every"})
NOT_BATCHED = frozenset({  # anything but the default makes a run unbatchable (why_not_batched says why)
    "model.arch", "model.conditional", "model.spectral_norm", "loss.r1_gamma", "loss.feature_matching",
    "train.grad_clip", "train.optimizer", "train.amp_bf16", "train.compile"})
IGNORED = {  # fields that mean nothing to a batched run of 2D points, and why
    "data.path": "a folder of images: images are not batched",
    "data.image_size": "images are not batched",
    "data.channels": "images are not batched",
    "data.n_images": "a smaller image set: images are not batched",
    "model.ngf": "the DCGAN's width: only MLPs are batched",
    "model.ndf": "the DCGAN's width: only MLPs are batched",
    "loss.gp_weight": "WGAN-GP's weight: its objective is not batched",
    "loss.clip_value": "WGAN's clipping: its objective is not batched",
    "train.steps": "the CLI's step budget: a live run trains until it is paused",
    "train.device": "a group lives on the device it is given",
    "train.fused_adam": "the group has its own Adam (the same arithmetic as the multi-tensor one)",
    "train.channels_last": "a memory layout for images",
}


def why_not_batched(cfg: RunConfig) -> str | None:
    """None when `cfg` can join a batched group, else the first reason it cannot."""
    m, lc, t = cfg.model, cfg.loss, cfg.train
    reasons = (
        (not cfg.data.is_points or m.arch != "mlp", "only MLP GANs on 2D points are batched"),
        (m.conditional, "conditional GANs are not batched"),
        (lc.objective not in BATCHED_OBJECTIVES, f"the {lc.objective} objective is not batched"),
        (m.spectral_norm, "spectral norm is not batched"),
        (lc.r1_gamma > 0, "the R1 penalty is not batched"),
        (lc.feature_matching, "feature matching is not batched"),
        (t.grad_clip > 0, "gradient clipping is not batched"),
        (t.optimizer != "adam", "only Adam is batched"),
        (t.amp_bf16, "bf16 autocast is not batched"),
        (t.compile != "off", "torch.compile is not batched"),
    )
    return next((why for bad, why in reasons if bad), None)


def group_key(cfg: RunConfig) -> GroupKey | None:
    """The key of the batched group `cfg` can join, or None to train it alone."""
    if why_not_batched(cfg) is not None:
        return None
    m, t = cfg.model, cfg.train
    return GroupKey(nz=m.nz, noise=m.noise, hidden=m.hidden, depth=m.depth, activation=m.activation,
                    pack=m.pack, minibatch_std=m.minibatch_std, objective=cfg.loss.objective,
                    batch_size=t.batch_size, d_steps=t.d_steps, g_steps=t.g_steps, betas_g=tuple(t.betas_g),
                    betas_d=tuple(t.betas_d), ema=t.ema, unrolled_steps=t.unrolled_steps,
                    n_points=cfg.data.n_points)
