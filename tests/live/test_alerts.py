"""Teaching alerts (live/single/alerts.py): mode collapse is named from the coverage the diagnostics and the
class board judge by, not before a run has had time to spread, and with hysteresis; gradient norms
against their architecture's levels, with hysteresis too; D winning; the minimax G loss saturating."""

from __future__ import annotations

import pytest

from gan_core.evaluation.verdict import CLUMP_SPREAD
from live.single.alerts import (
    COLLAPSE_FROM_STEP,
    D_WINS_STEPS,
    GRAD_LEVELS,
    GRAD_LEVELS_OTHER,
    GRAD_OFF_READINGS,
    GRAD_ON_READINGS,
    AlertState,
    alerts_for,
    collapse_alert,
    grad_levels,
)
from live.snapshot import Snapshot
from ui.train.view import alerts_text

NORMAL = {"d_loss": 1.2, "g_loss": 0.8, "d_real": 0.55, "d_fake": 0.45, "grad_norm_d": 1.0, "grad_norm_g": 1.0}


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


def test_a_run_that_has_not_gathered_yet_is_not_collapse():
    """Most samples between the modes and spread wide: the slow start of a healthy fix, not collapse; the
    same count with the samples in one tight clump (the collapse lesson's hopping clump) is collapse."""
    def blob(step, covered, near, spread):
        return {"step": step, "modes_covered": covered, "n_modes": 8, "high_quality_fraction": near,
                "clump_spread": spread}
    assert collapse_alert([blob(500, 1, 0.004, 1.1), blob(750, 3, 0.004, 1.3)]) is None
    assert "covers none of the 8" in collapse_alert([blob(500, 0, 0.0, CLUMP_SPREAD / 2)])
    history = [blob(500, 0, 0.0, 0.1), blob(750, 0, 0.0, 1.1)]  # the clump smeared out as it hops: stays on
    assert collapse_alert(history)
    assert collapse_alert(history + [blob(1000, 6, 0.3, 1.2)]) is None  # three quarters covered again: off
    assert collapse_alert([blob(500, 2, 0.9, 1.5)])  # most samples on 2 modes: collapse, however wide apart
    assert collapse_alert([{**blob(500, 1, 0.0, 1.0), "clump_spread": None}])  # not measured: the count decides


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


# --- gradient norms, per architecture, with hysteresis -------------------------------------------

def readings(arch: str, norms_d: list[float], state: AlertState | None = None, objective: str = "nonsaturating"):
    """Feed one read-back per D norm (G's stays normal); the alerts after each, and the last state."""
    state = state or AlertState()
    seen = []
    for i, norm in enumerate(norms_d):
        alerts, state = alerts_for(objective, arch, {**NORMAL, "grad_norm_d": norm}, 10, 10 * (i + 1), state)
        seen.append([a for a in alerts if "gradient norm" in a])
    return seen, state


def test_levels_fit_each_architecture():
    assert grad_levels("mlp") == GRAD_LEVELS["mlp"] and grad_levels("dcgan") == GRAD_LEVELS["dcgan"]
    assert grad_levels("something new") == GRAD_LEVELS_OTHER == (100.0, 50.0)  # ganhacks' rule of thumb
    for on, off in [*GRAD_LEVELS.values(), GRAD_LEVELS_OTHER]:
        assert 0 < off < on  # a band between them: no flicker on the edge
    # a DCGAN's healthy D norm (hundreds, docs/ALERTS.md) is no alarm; the same norm on the 2D MLP is
    assert readings("dcgan", [450.0] * 20)[0][-1] == []
    assert readings("mlp", [450.0] * 20)[0][-1] != []


@pytest.mark.parametrize("arch", ["mlp", "dcgan", "other"])
def test_on_only_after_several_readings_over_the_on_level(arch):
    on, off = grad_levels(arch)
    seen, state = readings(arch, [on * 1.5] * GRAD_ON_READINGS)
    assert all(a == [] for a in seen[:-1]) and len(seen[-1]) == 1  # on at the 5th reading in a row
    assert f"D's gradient norm is {on * 1.5:,.0f}" in seen[-1][0] and state.grad_d.on and not state.grad_g.on
    spikes = [on * 3, on * 3, 1.0] * 4  # spikes that do not last: never on
    assert all(a == [] for a in readings(arch, spikes)[0])
    assert readings(arch, [on] * 10)[0][-1] == []  # at the level is not over it


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_off_only_after_several_readings_under_the_off_level(arch):
    on, off = grad_levels(arch)
    _, state = readings(arch, [on * 2] * GRAD_ON_READINGS)
    between = (on + off) / 2
    seen, state = readings(arch, [between] * 10, state)  # back under on, not under off: stays on
    assert all(len(a) == 1 for a in seen) and f"is {between:,.0f}" in seen[-1][0]
    seen, state = readings(arch, [off / 2] * (GRAD_OFF_READINGS - 1) + [on * 2] + [off / 2] * GRAD_OFF_READINGS,
                           state)  # a reading over it restarts the count
    assert all(len(a) == 1 for a in seen[:-1]) and seen[-1] == [] and not state.grad_d.on


def test_a_missing_norm_keeps_the_count():
    """A D-only or G-only Step reads back one network's norm: the other's watch is left as it was."""
    _, state = readings("mlp", [500.0] * (GRAD_ON_READINGS - 1))
    alerts, state2 = alerts_for("nonsaturating", "mlp", {"d_loss": 1.2, "grad_norm_g": 1.0}, 10, 100, state)
    assert state2.grad_d == state.grad_d and alerts == []
    alerts, _ = alerts_for("nonsaturating", "mlp", {**NORMAL, "grad_norm_d": 500.0}, 10, 110, state2)
    assert len(alerts) == 1 and "D's gradient norm is 500" in alerts[0]


def test_d_wins_and_saturation_from_the_state():
    state, alerts = AlertState(), []
    for i in range(D_WINS_STEPS // 10):
        alerts, state = alerts_for("nonsaturating", "mlp", {**NORMAL, "d_loss": 0.001}, 10, 10 * (i + 1), state)
    assert state.d_wins == D_WINS_STEPS and any("D wins" in a for a in alerts)
    alerts, state = alerts_for("nonsaturating", "mlp", NORMAL, 10, 510, state)
    assert state.d_wins == 0 and alerts == []
    alerts, _ = alerts_for("wgan", "mlp", {**NORMAL, "d_loss": 0.0}, 1000, 1000, AlertState())
    assert alerts == []  # a critic's loss near 0 means nothing
    alerts, _ = alerts_for("minimax", "mlp", {**NORMAL, "d_fake": 0.01}, 10, 210, AlertState())
    assert any("non-saturating" in a for a in alerts)


# --- the mode count in words that agree ----------------------------------------------------------

def test_an_early_full_count_with_few_samples_near_says_reached_not_covered():
    """Issue #26: '8 of 8, 2% of samples near a mode' early in a healthy ring8 run read as a contradiction."""
    early = alerts_text(Snapshot(step=250, metrics=[{"step": 250, "modes_covered": 8, "n_modes": 8,
                                                      "high_quality_fraction": 0.02}]))
    assert "Modes reached: **8 of 8**, but only 2% of samples near a mode" in early
    assert "Modes covered" not in early and "not gathered its samples on the modes yet" in early
    late = alerts_text(Snapshot(step=3000, metrics=[{"step": 3000, "modes_covered": 8, "n_modes": 8,
                                                      "high_quality_fraction": 0.85}]))
    assert "Modes covered: **8 of 8**, 85% of samples near a mode (step 3,000)." in late and "reached" not in late
    none = alerts_text(Snapshot(step=250, metrics=[{"step": 250, "modes_covered": 0, "n_modes": 8,
                                                     "high_quality_fraction": 0.0}]))
    assert "no sample lies near any mode" in none and "touch" not in none
