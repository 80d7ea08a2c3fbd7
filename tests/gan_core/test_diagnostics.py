"""diagnose() on checkpoints and on generators whose answer we know: one that collapses onto a
single mode, one that copies training images, and the cheap live metrics of the timeline."""

import json

import pytest
import torch
from torch import nn

from gan_core import checkpoint, frozen
from gan_core.data import load_dataset
from gan_core.evaluation.classifier import classifier_for
from gan_core.evaluation.diagnostics import LEVELS, diagnose, live_metrics, run_diagnosis
from gan_core.frozen import Source
from gan_core.gan import build_gan
from gan_core.presets import get_preset
from gan_core.train import train_step


def _json(report):
    return json.loads(json.dumps(report, allow_nan=False))  # plain numbers only, no NaN


class OneModeG(nn.Module):
    """Every z lands within 0.5 std of the ring's first mode: textbook collapse."""

    def __init__(self, center, std):
        super().__init__()
        self.register_buffer("center", center)
        self.std = std
        self.dummy = nn.Parameter(torch.zeros(1))  # a Source finds its device from G's parameters

    def forward(self, z, y=None):
        return self.center + 0.25 * self.std * z[:, :2]


class CopyingG(nn.Module):
    """G(z) = a training image picked by z: perfect quality, pure memorisation."""

    def __init__(self, images):
        super().__init__()
        self.register_buffer("images", images)
        self.dummy = nn.Parameter(torch.zeros(1))  # a Source finds its device from G's parameters

    def forward(self, z, y=None):
        idx = (z[:, 0].abs() * 1e6).long() % len(self.images)
        return self.images[idx]


@pytest.fixture(scope="module")
def ring8_checkpoint(tmp_path_factory):
    torch.set_num_threads(1)
    gan = build_gan(get_preset("ring8", train={"seed": 0}), "cpu")
    for _ in range(50):
        train_step(gan)
    return checkpoint.save(gan, tmp_path_factory.mktemp("ckpt") / "ring8-small")


def test_diagnose_a_small_checkpoint(ring8_checkpoint):
    src = frozen.from_checkpoint(ring8_checkpoint)
    report = _json(diagnose(src, n=500, seed=0))
    assert report["source"] == "ring8-small" and report["dataset"] == "ring8" and report["step"] == 50
    m = report["modes"]
    assert m["n_modes"] == 8 and 0 <= m["modes_covered"] <= 8 and len(m["counts"]) == 8
    assert report["level"] in LEVELS
    levels = [v["level"] for v in report["verdicts"].values()]
    assert report["level"] == max(levels, key=LEVELS.index)  # the headline is the most severe verdict
    assert report["verdict"] in [v["text"] for v in report["verdicts"].values()]
    assert set(report) >= {"precision_recall", "density_coverage", "ndb", "d_histograms", "verdicts"}
    d = report["d_histograms"]
    assert d["output"] == "probability"
    # ring8's preset packs 2 samples per D input: 500 samples -> 250 D outputs each
    assert sum(d["real_counts"]) == sum(d["fake_counts"]) == 250
    again = _json(diagnose(src, n=500, seed=0))
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in report.items() if k != "seconds"}


def test_collapse_onto_one_mode_is_called_collapse():
    cfg = get_preset("ring8-collapse")
    data = build_gan(cfg, "cpu").data
    src = Source(name="one-mode", cfg=cfg, G=OneModeG(data.centers[3], data.std), D=None, num_classes=0)
    diag = run_diagnosis(src, n=400, seed=0)
    r = diag.report
    assert r["modes"]["modes_covered"] == 1 and r["modes"]["counts"][3] == 400
    assert r["level"] == "collapse"
    assert r["verdict"] == "collapse suspected: only 1 of 8 modes covered; 100% of good samples sit in one mode"
    assert "d_histograms" not in r  # no D, no D histogram
    assert (diag.mode_nearest == 3).all() and diag.high_quality.all()
    assert r["precision_recall"]["recall"] < 0.25  # one mode of eight: most real points have no sample near


def test_images_report_on_an_untrained_dcgan():
    gan = build_gan(get_preset("digits"), "cpu")
    report = _json(diagnose(frozen.from_gan(gan, "untrained"), n=300, seed=0))
    h = report["class_histogram"]
    assert h["n_classes"] == 10 and abs(sum(h["shares"]) - 1) < 1e-9
    assert report["classifier"]["dataset"] == "digits" and report["classifier"]["held_out_accuracy"] > 0.95
    assert report["frechet_distance"] > 10 * report["frechet_distance_real"]  # noise is far from digits
    assert "classifier's penultimate layer" in report["feature_space"]
    assert len(report["closest_pairs"]["pairs"]) == 8
    assert len(report["nearest_training"]["closest"]) == 8
    assert report["level"] in ("warning", "collapse")  # an untrained G is not healthy


def test_a_generator_that_copies_training_images_is_caught():
    cfg = get_preset("digits")
    data = load_dataset(cfg.data, "cpu")
    src = Source(name="copier", cfg=cfg, G=CopyingG(data.x), D=None, num_classes=0)
    r = _json(diagnose(src, n=400, seed=0))
    assert r["nearest_training"]["median_distance"] == 0.0
    assert r["nearest_training"]["real_median_distance"] > 1.0
    assert r["verdicts"]["memorisation"]["level"] == "warning"
    assert r["class_histogram"]["classes_covered"] == 10  # copies of real digits: every class, confidently
    assert r["class_histogram"]["mean_confidence"] > 0.9
    assert r["precision_recall"]["precision"] > 0.9


def test_without_a_classifier_the_metrics_use_pixels(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_CLASSROOM_CHECKPOINTS", str(tmp_path))  # an empty folder: no classifier
    gan = build_gan(get_preset("digits"), "cpu")
    r = _json(diagnose(frozen.from_gan(gan, "untrained"), n=200, seed=0))
    assert "class_histogram" not in r and "frechet_distance" not in r
    assert r["feature_space"].startswith("raw pixels")
    assert set(r["verdicts"]) >= {"precision_recall"}


def test_too_few_samples_is_a_clear_error(ring8_checkpoint):
    with pytest.raises(ValueError, match="at least 20 samples"):
        diagnose(frozen.from_checkpoint(ring8_checkpoint), n=5)


def test_live_metrics_for_points_and_images():
    ring = build_gan(get_preset("ring8"), "cpu")
    m = live_metrics(ring)
    assert set(m) == {"modes_covered", "n_modes", "high_quality_fraction", "kl_to_uniform", "clump_spread"}
    assert m["n_modes"] == 8 and m["clump_spread"] > 0
    digits = build_gan(get_preset("mnist5k-cgan"), "cpu")
    m = live_metrics(digits)
    assert set(m) == {"classes_covered", "n_classes", "kl_to_uniform", "mean_confidence"}
    assert m["n_classes"] == 10 and 0 <= m["mean_confidence"] <= 1
    assert classifier_for("mnist5k") is not None
    assert live_metrics(build_gan(get_preset("spiral"), "cpu")) == {}  # no modes, no classes
    assert digits.G.training  # G is put back in training mode


def test_clump_spread_is_the_rms_spread_over_the_smallest_mode_gap():
    import numpy as np

    from gan_core.evaluation.diagnostics import clump_spread

    centers = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]])  # smallest gap 2
    fake = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])  # RMS distance to mean sqrt(2)
    assert clump_spread(fake, centers) == pytest.approx(2 ** 0.5 / 2)


def test_truncation_scales_the_noise_g_samples_from():
    """OneModeG puts z's first two coordinates at 0.25 std round a mode: z * 0.5 halves the samples' spread."""
    cfg = get_preset("ring8-collapse")
    data = build_gan(cfg, "cpu").data
    src = Source(name="one-mode", cfg=cfg, G=OneModeG(data.centers[3], data.std), D=None, num_classes=0)
    plain, truncated = run_diagnosis(src, n=400, seed=0), run_diagnosis(src, n=400, seed=0, truncation=0.5)
    centre = data.centers[3]
    assert torch.allclose(truncated.fake - centre, 0.5 * (plain.fake - centre), atol=1e-6)
    assert truncated.report["truncation"] == 0.5 and "truncation" not in plain.report
    with pytest.raises(ValueError, match="psi"):
        run_diagnosis(src, n=400, seed=0, truncation=0.0)


def test_a_tiny_training_set_is_diagnosed_without_ndb_and_copies_are_caught():
    cfg = get_preset("memorise")
    data = load_dataset(cfg.data, "cpu")
    assert len(data) == cfg.data.n_images == 8
    src = Source(name="copier", cfg=cfg, G=CopyingG(data.x), D=None, num_classes=0)
    r = _json(diagnose(src, n=200, seed=0))
    assert "ndb" not in r  # 8 real images are too few to fit NDB's 20 bins
    assert r["nearest_training"]["median_distance"] == 0.0
    assert r["verdicts"]["memorisation"]["level"] == "warning"
