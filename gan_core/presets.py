"""Named presets: a whole run configuration behind one name, each with a line of what it shows."""

from __future__ import annotations

from .config import ConfigError, RunConfig

_MLP = {"arch": "mlp", "nz": 2, "hidden": 128, "depth": 3, "init": "default"}
_DCGAN = {"arch": "dcgan", "init": "dcgan"}

# name -> (one-line description, nested overrides of the RunConfig defaults)
PRESETS: dict[str, tuple[str, dict]] = {
    # The class's default, so small that thirty students' runs step together in a few ms (live.batched):
    # 2 x 32 at batch 128 with lr 1e-2 covered 8/8 modes with >= 80% of samples near one in 5 of 5 seeds
    # by 2,500-3,250 steps (docs/BATCHED.md); GAN Lab's ring uses one layer of 8 at batch 150.
    "ring8": ("8 Gaussians on a ring; a healthy GAN covers all 8 modes within a few thousand steps.",
              {"data": {"name": "ring8"}, "model": {**_MLP, "hidden": 32, "depth": 2, "pack": 2},
               "train": {"batch_size": 128, "lr_g": 1e-2, "lr_d": 1e-2, "ema": 0.99, "steps": 4000}}),
    # Vanilla: plain non-saturating loss, no pack/EMA/minibatch std/spectral norm. DCGAN's small initial
    # weights make G map every z to about one point, and D learning 5x faster than G keeps the pull on
    # all of G's samples alike, so they move as one clump onto a mode (the picture of Metz et al. 2017, Fig. 1).
    "ring8-collapse": ("The same ring with a vanilla GAN (no tricks, D 5x faster than G): G's samples bunch up "
                       "in one tight clump on one mode (sometimes a few) instead of covering all 8.",
                       {"data": {"name": "ring8"}, "model": {**_MLP, "init": "dcgan"},
                        "loss": {"objective": "nonsaturating"},
                        "train": {"batch_size": 256, "lr_g": 2e-4, "lr_d": 1e-3, "steps": 3000}}),
    "grid25": ("25 Gaussians on a 5x5 grid: a harder mode-coverage test (PacGAN + minibatch std-dev + EMA).",
               {"data": {"name": "grid25"}, "model": {**_MLP, "pack": 2, "minibatch_std": True},
                "train": {"batch_size": 256, "lr_g": 1e-3, "lr_d": 1e-3, "ema": 0.99, "steps": 6000}}),
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
                     {"data": {"name": "mnist5k"}, "model": {**_DCGAN, "nz": 64, "ngf": 32, "ndf": 32, "conditional": True},
                      "train": {"batch_size": 64, "lr_g": 5e-4, "lr_d": 5e-4, "steps": 3000}}),
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
