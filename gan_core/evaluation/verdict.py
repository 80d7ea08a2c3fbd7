"""Plain-language verdicts on the metrics, the sentence a student reads under a plot.

Pure functions: a metric result in, a `Verdict` out. Thresholds are named constants with the
reason for their value; change them here, not in the UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gan_core.evaluation.metrics import ClassHistogram, ModeCoverage, PrecisionRecall

Level = Literal["healthy", "warning", "collapse"]

# 2D mixtures. A vanilla GAN on the ring of 8 covers 1 mode (VEEGAN Table 1): covering at most
# half the modes is collapse, not bad luck.
COLLAPSE_MODES_SHARE = 0.5
# With >= 4 modes a fair share is <= 25%, so one mode holding half the good samples is at least
# twice its share: G is piling onto one mode even if stragglers touch the others.
DOMINANT_MODE_SHARE = 0.5
# KL(h || uniform) in nats above which the mode or class mix counts as uneven. Sampling noise
# alone gives about (M - 1) / (2 N): 0.0014 for 8 modes and 2,500 samples; dropping one of 10
# classes entirely gives ln(10/9) = 0.105.
UNEVEN_KL = 0.1
# PacGAN reaches 96% high-quality samples on the ring, WGAN-GP 60%: below half, most samples fall
# between modes.
LOW_QUALITY_FRACTION = 0.5

# Class histograms: "top classes" hold 90% of samples (see metrics.TOP_CLASSES_MASS). Uniform over
# 10 classes needs 9; when half the classes or fewer hold 90%, G has collapsed onto them.
COLLAPSE_TOP_CLASSES_SHARE = 0.5
# A classifier on real digits is ~98% sure on average; below 50% it is mostly guessing.
LOW_CONFIDENCE = 0.5

# Improved precision / recall with k = 3: a second sample of real data scores well above 0.5 on
# both, so below 0.5 G is clearly worse than the data against itself.
LOW_PRECISION = 0.5
LOW_RECALL = 0.5
# Digits collapsed onto {1, 7} score recall ~0.21 (Naeem 2020): good-looking samples with recall
# this low are the signature of mode collapse.
COLLAPSE_RECALL = 0.25
# Samples whose RMS spread is under a quarter of the gap between two neighbouring modes cannot be
# covering more than one mode: one clump (a G that maps every z to about the same point).
CLUMP_SPREAD = 0.25


@dataclass(frozen=True)
class Verdict:
    level: Level  # "healthy" | "warning" | "collapse"
    text: str  # one or two sentences for a student

    def as_dict(self) -> dict:
        return {"level": self.level, "text": self.text}


def modes_verdict(coverage: ModeCoverage, clump: float | None = None) -> Verdict:
    """Verdict on a 2D mixture: 'collapse suspected: only 2 of 8 modes covered; 97% ...'.

    clump: the samples' spread (RMS distance to their mean) over the smallest distance between two
    mode centres. Below CLUMP_SPREAD every sample sits in one tight clump: with no sample close to
    a mode that is a collapse onto one point beside the modes, not a run that has not learnt yet."""
    covered, n = coverage.modes_covered, coverage.n_modes
    quality = coverage.high_quality_fraction
    top = coverage.top_mode_share
    if top is None and clump is not None and clump < CLUMP_SPREAD:
        return Verdict("collapse", "collapse suspected: every sample sits in one tight clump "
                                   f"(spread {clump:.0%} of the gap between modes), and not on a mode")
    if top is None:
        return Verdict("warning", "no good samples yet: none lands close to a mode "
                                  "(still early in training, or training diverged)")
    few_modes = covered <= COLLAPSE_MODES_SHARE * n
    dominant = n >= 4 and top >= DOMINANT_MODE_SHARE
    if few_modes or dominant:
        only = "only " if covered < n else ""
        return Verdict("collapse", f"collapse suspected: {only}{covered} of {n} modes covered; "
                                   f"{top:.0%} of good samples sit in one mode")
    problems = []
    if covered < n:
        problems.append(f"{n - covered} of {n} modes missed")
    if coverage.kl_to_uniform > UNEVEN_KL:
        problems.append(f"uneven use of modes (KL to uniform {coverage.kl_to_uniform:.2f} nats)")
    if quality < LOW_QUALITY_FRACTION:
        problems.append(f"only {quality:.0%} of samples are close to a mode, the rest fall between")
    if problems:
        return Verdict("warning", "warning: " + "; ".join(problems))
    return Verdict("healthy", f"healthy: all {n} modes covered, used about evenly; "
                              f"{quality:.0%} of samples are close to a mode")


def classes_verdict(hist: ClassHistogram, noun: str = "classes") -> Verdict:
    """Verdict on a class histogram: 'collapse suspected: 3 of 10 digit classes make up 92% ...'.

    noun names the classes for the student, e.g. "digit classes".
    """
    k = hist.n_classes
    garbage = []
    if hist.mean_confidence < LOW_CONFIDENCE:
        garbage = [f"samples look like garbage to the classifier "
                   f"(mean confidence {hist.mean_confidence:.0%})"]
    if hist.top_classes <= COLLAPSE_TOP_CLASSES_SHARE * k:
        headline = (f"collapse suspected: {hist.top_classes} of {k} {noun} make up "
                    f"{hist.top_classes_share:.0%} of samples")
        return Verdict("collapse", "; ".join([headline] + garbage))
    problems = []
    if hist.classes_covered < k:
        problems.append(f"{k - hist.classes_covered} of {k} {noun} are almost never produced")
    if hist.kl_to_uniform > UNEVEN_KL:
        problems.append(f"uneven mix of {noun} (KL to uniform {hist.kl_to_uniform:.2f} nats)")
    if problems or garbage:
        return Verdict("warning", "warning: " + "; ".join(problems + garbage))
    return Verdict("healthy", f"healthy: all {k} {noun} produced, about evenly; "
                              f"mean confidence {hist.mean_confidence:.0%}")


def pr_verdict(pr: PrecisionRecall) -> Verdict:
    """Verdict on improved precision (quality) and recall (variety)."""
    p, r = pr.precision, pr.recall
    scores = f"precision {p:.2f}, recall {r:.2f}"
    if p >= LOW_PRECISION and r < COLLAPSE_RECALL:
        return Verdict("collapse", f"collapse suspected: samples look real but cover only "
                                   f"{r:.0%} of the real data ({scores})")
    if p < LOW_PRECISION and r < LOW_RECALL:
        return Verdict("warning", f"warning: poor quality and missing variety ({scores}): "
                                  "samples do not look like the data yet")
    if r < LOW_RECALL:
        return Verdict("warning", f"warning: missing variety ({scores}): much of the real data "
                                  "has no generated sample near it")
    if p < LOW_PRECISION:
        return Verdict("warning", f"warning: poor quality ({scores}): many samples fall outside "
                                  "the real data")
    return Verdict("healthy", f"healthy: good quality and variety ({scores})")


def live_verdict(m: dict) -> Verdict | None:
    """Verdict on the cheap metrics a run records while it trains (diagnostics.live_metrics: counts,
    no per-mode histogram), e.g. for the class board's colours. Same thresholds as above, minus the
    tests that need the histogram (one dominant mode). None when the metrics judge nothing."""
    if "modes_covered" in m:
        covered, n, noun = int(m["modes_covered"]), int(m["n_modes"]), "modes"
    elif "classes_covered" in m:
        covered, n, noun = int(m["classes_covered"]), int(m["n_classes"]), "classes"
    else:
        return None
    if covered <= COLLAPSE_MODES_SHARE * n:
        return Verdict("collapse", f"collapse suspected: only {covered} of {n} {noun} covered")
    problems = []
    if covered < n:
        problems.append(f"{n - covered} of {n} {noun} missed")
    kl = m.get("kl_to_uniform")
    if kl is not None and kl > UNEVEN_KL:
        problems.append(f"uneven use of {noun} (KL to uniform {kl:.2f} nats)")
    quality = m.get("high_quality_fraction")
    if quality is not None and quality < LOW_QUALITY_FRACTION:
        problems.append(f"only {quality:.0%} of samples are close to a mode")
    confidence = m.get("mean_confidence")
    if confidence is not None and confidence < LOW_CONFIDENCE:
        problems.append(f"samples look like garbage to the classifier (mean confidence {confidence:.0%})")
    if problems:
        return Verdict("warning", "warning: " + "; ".join(problems))
    return Verdict("healthy", f"healthy: all {n} {noun} covered")
