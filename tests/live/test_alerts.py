"""Teaching alerts (live/single/alerts.py): mode collapse is named from the coverage the diagnostics and the
class board judge by, not before a run has had time to spread, and with hysteresis."""

from __future__ import annotations

from live.single.alerts import COLLAPSE_FROM_STEP, collapse_alert
from live.snapshot import Snapshot
from ui.train.view import alerts_text


def ring(*points) -> list[dict]:
    """Live metrics of a ring of 8: (step, modes covered) each, 90% of samples near a mode."""
    return [{"step": s, "modes_covered": c, "n_modes": 8, "high_quality_fraction": 0.9} for s, c in points]


def test_a_collapsed_ring_is_named_and_a_healthy_one_is_not():
    assert "covers only 1 of the 8 modes" in collapse_alert(ring((2000, 1)))
    assert "covers none of the 8 modes" in collapse_alert(ring((2000, 0)))
    assert collapse_alert(ring((2000, 8))) is None
    assert collapse_alert(ring((2000, 7))) is None  # a few modes missed is a warning elsewhere, not collapse


def test_not_before_the_run_had_time_to_spread():
    assert collapse_alert(ring((COLLAPSE_FROM_STEP - 1, 1))) is None
    assert collapse_alert(ring((COLLAPSE_FROM_STEP, 1))) is not None


def test_hysteresis_on_at_half_off_at_three_quarters():
    history = ring((1000, 2))
    assert collapse_alert(history)
    history += ring((1500, 5))  # over half, but not recovered: still on
    assert "5 of the 8" in collapse_alert(history)
    history += ring((2000, 6))  # three quarters: off
    assert collapse_alert(history) is None
    history += ring((2500, 5))  # between the two: stays off
    assert collapse_alert(history) is None
    history += ring((3000, 4))  # half: on again
    assert collapse_alert(history)


def test_image_classes_count_too_and_errors_are_skipped():
    classes = [{"step": 2000, "classes_covered": 2, "n_classes": 10}, {"step": 2250, "error": "ValueError: x"}]
    assert "covers only 2 of the 10 classes" in collapse_alert(classes)


def test_the_panel_names_collapse_next_to_the_mode_count():
    text = alerts_text(Snapshot(step=6000, metrics=ring((6000, 1))))
    assert "Mode collapse" in text and "No alerts" not in text
    assert text.index("Mode collapse") < text.index("Modes covered: **1 of 8**")
    early = alerts_text(Snapshot(step=250, metrics=[{"step": 250, "modes_covered": 8, "n_modes": 8,
                                                      "high_quality_fraction": 0.02}]))
    assert "most still lie between them" in early and "Mode collapse" not in early
