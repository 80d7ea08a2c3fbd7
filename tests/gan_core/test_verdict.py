"""Verdict levels and wording on hand-built metric results."""

import numpy as np

from gan_core.evaluation.metrics import ModeCoverage, PrecisionRecall, class_histogram
from gan_core.evaluation.verdict import Verdict, classes_verdict, modes_verdict, pr_verdict


def _modes(counts, quality=0.95, kl=0.0):
    return ModeCoverage(modes_covered=sum(c > 0 for c in counts), n_modes=len(counts),
                        high_quality_fraction=quality, kl_to_uniform=kl, counts=tuple(counts))


def test_modes_collapse_text():
    v = modes_verdict(_modes([970, 30, 0, 0, 0, 0, 0, 0], kl=1.9))
    assert v == Verdict("collapse", "collapse suspected: only 2 of 8 modes covered; "
                                    "97% of good samples sit in one mode")
    assert v.as_dict() == {"level": "collapse", "text": v.text}


def test_modes_dominant_mode_is_collapse_even_with_all_covered():
    assert modes_verdict(_modes([93] + [1] * 7, kl=1.6)).level == "collapse"


def test_modes_healthy_and_warnings():
    assert modes_verdict(_modes([100] * 8)).level == "healthy"
    partial = modes_verdict(_modes([100] * 6 + [0, 0], kl=0.29))
    assert partial.level == "warning" and "2 of 8 modes missed" in partial.text
    blurry = modes_verdict(_modes([100] * 8, quality=0.3))
    assert blurry.level == "warning" and "30%" in blurry.text
    empty = ModeCoverage(0, 8, 0.0, None, (0,) * 8)
    assert modes_verdict(empty).level == "warning" and "no good samples" in modes_verdict(empty).text


def _hist(labels, k=10, confidence=1.0):
    probs = np.full((len(labels), k), (1 - confidence) / (k - 1))
    probs[np.arange(len(labels)), labels] = confidence
    return class_histogram(probs)


def test_classes_collapse_text():
    labels = np.array([1] * 50 + [7] * 30 + [4] * 12 + [0, 2, 3, 5, 6, 8, 9, 9])
    v = classes_verdict(_hist(labels), noun="digit classes")
    assert v == Verdict("collapse", "collapse suspected: 3 of 10 digit classes make up 92% of samples")


def test_classes_healthy_missing_and_garbage():
    assert classes_verdict(_hist(np.arange(1000) % 10)).level == "healthy"
    missing = classes_verdict(_hist(np.arange(900) % 9))
    assert missing.level == "warning" and "1 of 10 classes" in missing.text
    garbage = classes_verdict(_hist(np.arange(1000) % 10, confidence=0.3))
    assert garbage.level == "warning" and "garbage" in garbage.text and "30%" in garbage.text
    both = classes_verdict(_hist(np.full(100, 4), confidence=0.2))
    assert both.level == "collapse" and "garbage" in both.text


def test_pr_verdicts():
    assert pr_verdict(PrecisionRecall(0.8, 0.75)).level == "healthy"
    collapse = pr_verdict(PrecisionRecall(0.9, 0.21))
    assert collapse.level == "collapse" and "21%" in collapse.text
    assert "missing variety" in pr_verdict(PrecisionRecall(0.8, 0.4)).text
    assert "poor quality" in pr_verdict(PrecisionRecall(0.2, 0.8)).text
    both = pr_verdict(PrecisionRecall(0.1, 0.1))
    assert both.level == "warning" and "poor quality and missing variety" in both.text


def test_one_tight_clump_beside_the_modes_is_collapse_not_early_training():
    empty = ModeCoverage(0, 8, 0.0, None, (0,) * 8)
    clumped = modes_verdict(empty, clump=0.05)
    assert clumped.level == "collapse" and "one tight clump (spread 5% of the gap between modes)" in clumped.text
    assert "no good samples" in modes_verdict(empty, clump=0.9).text  # spread out: still just early or diverged


def test_live_verdict_on_the_metrics_a_run_records_while_it_trains():
    from gan_core.evaluation.verdict import live_verdict

    ring = {"n_modes": 8, "high_quality_fraction": 0.9, "kl_to_uniform": 0.01}
    assert live_verdict({**ring, "modes_covered": 8}).level == "healthy"
    assert live_verdict({**ring, "modes_covered": 4}) == Verdict("collapse", "collapse suspected: only 4 of 8 "
                                                                             "modes covered")
    assert "2 of 8 modes missed" in live_verdict({**ring, "modes_covered": 6}).text
    assert live_verdict({**ring, "modes_covered": 8, "high_quality_fraction": 0.3}).level == "warning"
    digits = {"classes_covered": 10, "n_classes": 10, "kl_to_uniform": 0.02, "mean_confidence": 0.9}
    assert live_verdict(digits).level == "healthy"
    assert live_verdict({**digits, "mean_confidence": 0.2}).level == "warning"
    assert live_verdict({**digits, "classes_covered": 3}).level == "collapse"
    assert live_verdict({}) is None and live_verdict({"error": "boom"}) is None
