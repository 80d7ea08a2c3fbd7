"""The shipped MNIST-5k GAN checkpoints: made from today's presets, and as good as the presets promise."""

import json
from pathlib import Path

import pytest

from gan_core.config import RunConfig
from gan_core.presets import get_preset

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"


def meta(name: str) -> dict:
    path = CHECKPOINTS / f"{name}.json"
    assert path.is_file(), f"run: python -m gan_core train --preset {name} --seed 0 --device cpu --out checkpoints"
    return json.loads(path.read_text())


@pytest.mark.parametrize("name", ["mnist5k", "mnist5k-cgan"])
def test_made_from_the_current_preset(name):
    m = meta(name)
    assert RunConfig.from_dict(m["config"]) == get_preset(name, train={"seed": 0, "device": "cpu"})
    assert m["step"] == m["steps"] == m["config"]["train"]["steps"]


@pytest.mark.parametrize("name", ["mnist5k", "mnist5k-cgan"])
def test_every_digit_and_a_confident_classifier(name):
    """The time-to-quality test of docs/BENCHMARKS.md, on the shipped checkpoint's own evaluation."""
    h = meta(name)["metrics"]["class_histogram"]
    assert h["classes_covered"] == 10 and h["mean_confidence"] >= 0.8
