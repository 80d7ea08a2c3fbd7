"""The alert matrix (docs/ALERTS.md) rests on docs/alert_results.jsonl, and every row agrees: each preset a
student can pick, and each run broken on purpose, raised exactly the alerts scripts/alert_matrix.py's CASES
expect, in every seed. No training here: the runs are scripts/alert_matrix.py's."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from gan_core.presets import PRESETS
from live.single.alerts import GRAD_ON_READINGS, AlertState, alerts_for, collapse_alert

ROOT = Path(__file__).resolve().parents[2]


def _matrix():
    spec = importlib.util.spec_from_file_location("alert_matrix", ROOT / "scripts" / "alert_matrix.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


matrix = _matrix()
HEADER, ROWS = matrix.load(ROOT / "docs" / "alert_results.jsonl")


def test_every_preset_is_a_row():
    assert set(PRESETS) <= {preset for preset, *_ in matrix.CASES.values()}
    assert any(case.startswith("broken") for case in matrix.CASES)


@pytest.mark.parametrize("case", list(matrix.CASES))
def test_each_row_has_three_seeds_run_as_declared_and_agrees(case):
    preset, _, steps, expected, _ = matrix.CASES[case]
    runs = sorted((r for r in ROWS if r["case"] == case), key=lambda r: r["seed"])
    assert [r["seed"] for r in runs] == list(matrix.SEEDS), f"{case}: run scripts/alert_matrix.py --cases {case!r}"
    for r in runs:
        assert r["preset"] == preset and r["expected"] == sorted(expected)
        assert r["steps"] == steps, f"{case} seed {r['seed']} stopped at step {r['steps']}: {r['message']}"
        assert r["agree"] == (set(r["ever"]) == expected)
        assert r["agree"], f"{case} seed {r['seed']}: raised {r['ever']}, expected {sorted(expected)}"


def test_the_doc_is_generated_from_the_results():
    assert (ROOT / "docs" / "ALERTS.md").read_text() == matrix.doc(HEADER, ROWS), \
        "run PYTHONPATH=. python scripts/alert_matrix.py --doc-only"
    assert "docs/ALERTS.md" in (ROOT / "README.md").read_text()


def test_each_kind_names_the_sentences_the_alerts_really_say():
    state, said = AlertState(), []
    for i in range(GRAD_ON_READINGS):
        alerts, state = alerts_for("minimax", "mlp", {"d_loss": 0.001, "d_fake": 0.001, "grad_norm_d": 1e4,
                                                      "grad_norm_g": 1e4}, 100, 300 + 100 * i, state)
        said += alerts
    said.append(collapse_alert([{"step": 1000, "modes_covered": 1, "n_modes": 8, "high_quality_fraction": 0.9}]))
    assert matrix.kinds_of(said) == set(matrix.KINDS)
    assert all(len(matrix.kinds_of([a])) == 1 for a in said)
