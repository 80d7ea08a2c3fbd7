"""Small real checkpoints for the Latent space tests, written by the project's own save().

Untrained, but with Kaiming-initialised weights: DCGAN's N(0, 0.02) init gives a G whose every
pixel is about 127 (nothing to see move), while Kaiming init gives full-contrast images that
change visibly with z. A slider event costs the same either way.
"""

from __future__ import annotations

from pathlib import Path

from gan_core import checkpoint
from gan_core.data import load_dataset
from gan_core.gan import build_gan
from gan_core.presets import get_preset

CONFIGS = {  # checkpoint name -> RunConfig
    "digits": get_preset("digits", model={"init": "kaiming"}, train={"device": "cpu"}),
    "digits-cgan": get_preset("digits", model={"init": "kaiming", "conditional": True}, train={"device": "cpu"}),
    "ring8": get_preset("ring8", train={"device": "cpu"}),
}


def build(name: str, data=None):
    """The GAN behind CONFIGS[name] (pass `data` to skip reloading a dataset)."""
    cfg = CONFIGS[name]
    return build_gan(cfg, "cpu", data if data is not None else load_dataset(cfg.data, "cpu", seed=0))


def make_checkpoints(folder: Path, names=tuple(CONFIGS)) -> dict[str, Path]:
    """Write each named checkpoint into folder: {name: path to its .safetensors}."""
    folder.mkdir(parents=True, exist_ok=True)
    digits = load_dataset(CONFIGS["digits"].data, "cpu", seed=0)  # loaded once for both digit models
    return {n: checkpoint.save(build(n, digits if n.startswith("digits") else None), folder / n) for n in names}
