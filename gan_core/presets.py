"""Named presets: a whole run configuration behind one name, each with a line of what it shows."""

from __future__ import annotations

from gan_core.config import ConfigError, RunConfig

_MLP = {"arch": "mlp", "nz": 2, "hidden": 128, "depth": 3, "init": "default"}
_DCGAN = {"arch": "dcgan", "init": "dcgan"}

# -- the collapse lesson (issue #17 §1; measured in docs/MODE_COLLAPSE.md) -------------------------------
# ring8's class network (2 x 32, batch 128) with no tricks and G learning 20x faster than D (Adam lr 2e-2
# against 1e-3; Metz et al. 2017's ring used 10x). D cannot keep up: G throws all its samples at the spot
# D currently rates best, D learns to reject it, and G's clump hops on round the ring (their Fig. 1, top
# row) instead of spreading over the 8 modes. EMA 0.9 only steadies the picture (it averages G over ~10
# steps, far shorter than a hop; 0.99 would average the hops into one blob in the middle).
COLLAPSE_LESSON = {"data": {"name": "ring8"}, "model": {**_MLP, "hidden": 32, "depth": 2},
                   "loss": {"objective": "nonsaturating"},
                   "train": {"batch_size": 128, "lr_g": 2e-2, "lr_d": 1e-3, "ema": 0.9, "steps": 6000}}
# fix -> (what it does, overrides of COLLAPSE_LESSON, the same change as live settings or None). Each is
# the preset `ring8-collapse+<fix>` and restores the ring (>= 7 of 8 modes, >= 60% of samples on a mode) in
# at least 4 of 5 seeds; those with live settings can also be switched on the collapsing run from the Train
# tab (Run.set_live): how often that rescues it is measured in docs/MODE_COLLAPSE.md.
COLLAPSE_FIXES: dict[str, tuple[str, dict, dict | None]] = {
    "ttur": ("two time-scales the other way round: D learns faster than G (Adam lr 1e-2 for D, 3e-3 for G), "
             "so D keeps up and G spreads out.", {"train": {"lr_g": 3e-3, "lr_d": 1e-2}}, {"lr_g": 3e-3, "lr_d": 1e-2}),
    "slow-g": ("G slowed down to D's pace (Adam lr 1e-3 for both): G no longer outruns D, and spreads out.",
               {"train": {"lr_g": 1e-3}}, {"lr_g": 1e-3}),
    "mbstd": ("Minibatch std-dev: D sees how spread out a batch is, so one clump gives itself away.",
              {"model": {"minibatch_std": True}}, None),
    "unrolled": ("unrolled D (Metz et al. 2017): G looks 5 D updates ahead, so it cannot just chase D's current "
                 "weak spot.",
                 {"train": {"unrolled_steps": 5}}, {"unrolled_steps": 5}),
    "optimism": ("optimistic Adam (Daskalakis et al. 2018) for both nets: each update adds the change of the last "
                 "one, a guess of where the game is going, which damps G's hopping (Adam's beta2 0.99 with it).",
                 {"train": {"optimizer": "optimistic-adam", "betas_g": (0.5, 0.99), "betas_d": (0.5, 0.99)}}, None),
}
# Lecture fixes measured on the same lesson that do not rescue it in 6,000 steps, in at least 4 of 5 seeds
# (docs/MODE_COLLAPSE.md; the Train tab's tooltips say so): name -> (why, overrides of COLLAPSE_LESSON).
COLLAPSE_NO_HELP: dict[str, tuple[str, dict]] = {
    "pacgan": ("pairs of samples let D spot the clump, but with G 20x faster D still falls behind in 2 of 5 seeds",
               {"model": {"pack": 2}}),
    "d-steps": ("5 D updates per G update stop the hopping, but G then settles on only 5 of the 8 modes in most seeds",
                {"train": {"d_steps": 5}}),
    "label smoothing": ("D here is not overconfident but too slow; capping its target at 0.9 slows nothing down",
                        {"loss": {"label_smoothing": 0.1}}),
    "instance noise": ("blurring what D sees makes D even slower to find G's clump, which keeps hopping",
                       {"loss": {"instance_noise": 0.3, "instance_noise_steps": 4000}}),
    "TTUR button": ("D 4e-4 and G 1e-4 stop the hopping, but G at 1e-4 is too slow to reach the modes in 6,000 steps",
                    {"train": {"lr_g": 1e-4, "lr_d": 4e-4}}),
    # measured for the fourth-fix search (docs/MODE_COLLAPSE.md): none restores the ring in even 2 of 5 seeds
    "10 D steps": ("10 D updates per G update (the most there is) stop the hopping and put 95-100% of samples on "
                   "a mode, but G settles on 3-7 of the 8 modes: healthy in 2 of 5 seeds", {"train": {"d_steps": 10}}),
    "R1 (gamma 1)": ("penalising D's slope on real points makes a D that is already too slow slower still: "
                     "4 of 5 seeds end on 0-2 modes", {"loss": {"r1_gamma": 1.0}}),
    "R1 (gamma 10)": ("a strong penalty spreads G over the ring (all 8 modes in 2 of 5 seeds), but with D's slope "
                      "flattened at most 53% of samples land on a mode", {"loss": {"r1_gamma": 10.0}}),
    "spectral norm": ("capping the gain of D's layers makes a D that is already too slow slower still: "
                      "0 of 8 modes in 5 of 5 seeds", {"model": {"spectral_norm": True}}),
    "feature matching": ("G matching the mean of D's features stops the clump (4-8 modes touched), but G spreads "
                         "thinly between the modes: at most 24% of samples on one",
                         {"loss": {"feature_matching": True}}),
    "WGAN-GP": ("its own recipe (Adam 1e-4, 5 critic steps) is slow here: after 6,000 steps G is a blur round the "
                "ring, 3-5 modes touched and under 1% of samples on a mode",
                {"loss": {"objective": "wgan-gp", "gp_weight": 10.0},
                 "train": {"d_steps": 5, "lr_g": 1e-4, "lr_d": 1e-4, "betas_g": (0.5, 0.9), "betas_d": (0.5, 0.9)}}),
    "LSGAN": ("a least-squares loss does not slow G down: 4 of 5 seeds end on 0-1 modes",
              {"loss": {"objective": "lsgan"}}),
    "hinge loss": ("a hinge loss does not slow G down: 0-3 modes in 5 of 5 seeds", {"loss": {"objective": "hinge"}}),
    "gradient clipping": ("Adam rescales every step, so capping the gradient norm at 1 hardly slows G: 4 of 5 seeds "
                          "on 0-1 modes", {"train": {"grad_clip": 1.0}}),
    "Adam beta2 0.99": ("the control for +optimism: plain Adam with the same betas (0.5, 0.99) collapses as the "
                        "baseline does (4 of 5 seeds on no mode): the optimism is what helps",
                        {"train": {"betas_g": (0.5, 0.99), "betas_d": (0.5, 0.99)}}),
    "EMA 0.99": ("averaging G's weights over ~100 steps cannot undo the hops: 4 of 5 seeds on 0-1 modes",
                 {"train": {"ema": 0.99}}),
}

# -- what else goes wrong (issue #27; measured in docs/PHENOMENA.md by scripts/phenomena_experiment.py) -----
# Each phenomenon is a preset `<phenomenon>` that shows it and `<phenomenon>+<cure>` that is the same config
# but for the cure; both show it (or its absence) in at least 4 of 5 seeds by the measure of the doc's table.
# The 2D ones use the class's ring network (2 x 32, batch 128, no EMA: the picture is G itself).
_RING = {"data": {"name": "ring8"}, "model": {**_MLP, "hidden": 32, "depth": 2}, "train": {"batch_size": 128}}
# phenomenon -> (what it shows, its config, cure, what the cure does, the cure's overrides)
PHENOMENA: dict[str, tuple[str, dict, str, str, dict]] = {
    "saturation": (
        "The original minimax G loss with D taking 5 steps to G's 1: D soon rejects every fake (D(G(z)) -> 0), "
        "where log(1 - D(G(z))) is flat, so G's gradient dies and its samples freeze off the ring.",
        {**_RING, "loss": {"objective": "minimax"},
         "train": {**_RING["train"], "lr_g": 1e-2, "lr_d": 1e-2, "d_steps": 5, "steps": 1500}},
        "nonsat", "the non-saturating G loss -log D(G(z)): steep exactly where D rejects G, so G keeps moving.",
        {"loss": {"objective": "nonsaturating"}}),
    "wgan-clip": (
        "WGAN with weight clipping (every critic weight in [-0.01, 0.01]): the critic can only be a tiny, "
        "nearly flat function (Gulrajani et al. 2017, Fig. 1): look at its heat map's scale.",
        {"data": {"name": "ring8"}, "model": {**_MLP, "hidden": 64, "depth": 2}, "loss": {"objective": "wgan"},
         "train": {"batch_size": 128, "lr_g": 1e-3, "lr_d": 1e-3, "betas_g": (0.5, 0.9), "betas_d": (0.5, 0.9),
                   "d_steps": 5, "steps": 500}},
        "gp", "the gradient penalty instead of clipping (WGAN-GP): the critic's slope is held near 1, so it can "
              "take the shape of the data.", {"loss": {"objective": "wgan-gp"}}),
    "oscillation": (
        "A plain GAN trained with simultaneous gradient steps (SGD): D and G chase each other and never settle: "
        "D(x) keeps swinging in the D(x) and D(G(z)) plot.",
        {**_RING, "train": {**_RING["train"], "optimizer": "sgd", "lr_g": 5e-2, "lr_d": 5e-2, "steps": 2000}},
        "r1", "R1, a zero-centred gradient penalty on D at real points (Mescheder et al. 2018): the swinging "
              "dies down and the game settles.", {"loss": {"r1_gamma": 1.0}}),
    "d-overpowers": (
        "D takes 10 steps at 5x G's learning rate: D wins outright (D(x) near 1, D(G(z)) near 0) and G's "
        "samples mostly gather in a clump or two instead of spreading over the ring.",
        {**_RING, "train": {**_RING["train"], "lr_g": 2e-3, "lr_d": 1e-2, "d_steps": 10, "steps": 600}},
        "noise", "instance noise (std 0.5, fading over 3,000 steps) on what D sees: real and fake overlap, "
                 "D cannot be certain, and G keeps a useful signal.",
        {"loss": {"instance_noise": 0.5, "instance_noise_steps": 3000}}),
    "memorise": (
        "The digits DCGAN trained on only 8 images: G learns to copy them (the diagnostics tab's nearest "
        "training images are near-copies).",
        {"data": {"name": "digits", "n_images": 8}, "model": {**_DCGAN, "nz": 32, "ngf": 32, "ndf": 32},
         "train": {"batch_size": 64, "steps": 3000}},
        "full-set", "all 1,797 digits: nothing to copy, so G draws new digits.", {"data": {"n_images": 0}}),
}


def _merged(base: dict, extra: dict) -> dict:
    out = {k: dict(v) for k, v in base.items()}
    for section, values in extra.items():
        out.setdefault(section, {}).update(values)
    return out



def _phenomenon_pair(name: str) -> tuple[tuple[str, tuple[str, dict]], ...]:
    """The presets `name` and `name+<cure>` of a PHENOMENA entry, as (preset name, (description, config))."""
    shows, config, cure, what, overrides = PHENOMENA[name]
    return (name, (shows, config)), (f"{name}+{cure}", (f"Cured: {what}", _merged(config, overrides)))


# name -> (one-line description, nested overrides of the RunConfig defaults)
PRESETS: dict[str, tuple[str, dict]] = {
    # The class's default, so small that thirty students' runs step together in a few ms (live.classroom.batched):
    # 2 x 32 at batch 128 with lr 1e-2 covered 8/8 modes with >= 80% of samples near one in 5 of 5 seeds
    # by 2,500-3,250 steps (docs/BATCHED.md); GAN Lab's ring uses one layer of 8 at batch 150.
    "ring8": ("8 Gaussians on a ring; a healthy GAN covers all 8 modes within a few thousand steps.",
              {"data": {"name": "ring8"}, "model": {**_MLP, "hidden": 32, "depth": 2, "pack": 2},
               "train": {"batch_size": 128, "lr_g": 1e-2, "lr_d": 1e-2, "ema": 0.99, "steps": 4000}}),
    "ring8-collapse": ("The ring with a vanilla GAN whose G learns 20x faster than D: G's samples hop round the ring "
                       "as one clump from place to place instead of covering all 8. Try a ring8-collapse+ fix.",
                       COLLAPSE_LESSON),
    **{f"ring8-collapse+{fix}": (f"The collapse lesson fixed: {what}", _merged(COLLAPSE_LESSON, overrides))
       for fix, (what, overrides, _live) in COLLAPSE_FIXES.items()},
    # The former recipe (non-saturating loss, batch 256, 6,000 steps) covered 22+ modes but left only 4-26% of
    # samples on a mode: not finished, it was still sharpening. The least-squares loss, batch 512 and D learning
    # twice as fast as G sharpen it faster. At 12,000 steps (train_step, seeds 0-4): 25/25 modes in every seed,
    # high-quality fraction 0.91, 0.92, 0.94, 0.83, 0.93 (issue #17's bar: >= 22 and >= 0.5 in 4 of 5 seeds;
    # at 10,000 steps 4 of 5). 5.2 ms of CPU a step on one thread (~1 minute for the run); the class engine
    # still batches it. The search: docs/MODE_COLLAPSE.md, "The grid25 preset".
    "grid25": ("25 Gaussians on a 5x5 grid: a harder mode-coverage test (least-squares GAN, batch 512, D learning "
               "twice as fast as G, PacGAN + minibatch std-dev + EMA); the modes are covered early, but the "
               "samples gather sharply on them only after 5,000-12,000 steps.",
               {"data": {"name": "grid25"}, "model": {**_MLP, "pack": 2, "minibatch_std": True},
                "loss": {"objective": "lsgan"},
                "train": {"batch_size": 512, "lr_g": 1e-3, "lr_d": 2e-3, "ema": 0.99, "steps": 12000}}),
    "spiral": ("A spiral arm: one connected, curved manifold.",
               {"data": {"name": "spiral"}, "model": _MLP, "train": {"lr_g": 1e-3, "lr_d": 1e-3, "steps": 4000}}),
    "moons": ("Two interleaved moons (as in scikit-learn).",
              {"data": {"name": "moons"}, "model": _MLP, "train": {"lr_g": 1e-3, "lr_d": 1e-3, "steps": 4000}}),
    "ring8-wgan-gp": ("The ring with WGAN-GP: a critic with a gradient penalty, 5 critic steps per G step.",
                      {"data": {"name": "ring8"}, "model": _MLP, "loss": {"objective": "wgan-gp"},
                       "train": {"lr_g": 1e-4, "lr_d": 1e-4, "betas_g": (0.5, 0.9), "betas_d": (0.5, 0.9),
                                 "d_steps": 5, "steps": 3000}}),
    "digits": ("sklearn's 8x8 handwritten digits with a small DCGAN: recognisable digits in about a minute on a CPU.",
               {"data": {"name": "digits"}, "model": {**_DCGAN, "nz": 32, "ngf": 32, "ndf": 32},
                "train": {"batch_size": 64, "steps": 3000}}),
    # lr 5e-4 (the recipe's 2e-4 needs ~3,800 steps): every digit, mean classifier confidence >= 0.8
    # after 1,000-1,200 steps (seeds 0-2), ~70 s on one CPU core; at 3,000 steps a lower Frechet distance.
    "mnist5k": ("5,000 real MNIST digits (28x28) with the PyTorch DCGAN recipe scaled down for a CPU "
                "(Adam lr 5e-4 for both nets): every digit appears within about 1,200 steps.",
                {"data": {"name": "mnist5k"}, "model": {**_DCGAN, "nz": 64, "ngf": 32, "ndf": 32},
                 "train": {"batch_size": 64, "lr_g": 5e-4, "lr_d": 5e-4, "steps": 3000}}),
    # the same lr 5e-4 (seed 0, 3,000 steps): Frechet distance 4.0 vs 6.4 and 97% vs 95% right digits at 2e-4
    "mnist5k-cgan": ("A conditional DCGAN on MNIST-5k: pick the digit you want.",
                     {"data": {"name": "mnist5k"},
                      "model": {**_DCGAN, "nz": 64, "ngf": 32, "ndf": 32, "conditional": True},
                      "train": {"batch_size": 64, "lr_g": 5e-4, "lr_d": 5e-4, "steps": 3000}}),
    # what else goes wrong: each phenomenon, then its cure
    **{name: preset for phenomenon in PHENOMENA for name, preset in _phenomenon_pair(phenomenon)},
}


def preset_names() -> list[str]:
    return list(PRESETS)


def describe_preset(name: str) -> str:
    return PRESETS[name][0]


def get_preset(name: str, **overrides: dict) -> RunConfig:
    """The named preset as a RunConfig, optionally with section overrides (`train={"seed": 3}`)."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    base = {k: dict(v) for k, v in PRESETS[name][1].items()}
    for section, values in overrides.items():
        base.setdefault(section, {}).update(values)
    return RunConfig.from_dict(base)
