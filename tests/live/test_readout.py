"""The run readout both kinds of run keep (live/single/readout.py): one place builds the Snapshot."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import torch

from live.single.readout import Readout, means, went_bad

ROOT = Path(__file__).resolve().parents[2]


def test_a_history_row_is_the_mean_of_the_buffered_steps():
    buffer = [{"d_loss": torch.tensor(1.0), "g_loss": torch.tensor(2.0)},
              {"d_loss": torch.tensor(3.0), "g_loss": torch.tensor(4.0), "grad_norm_d": torch.tensor(7.0)}]
    assert means(buffer) == {"d_loss": 2.0, "g_loss": 3.0, "grad_norm_d": 7.0}
    assert means([]) == {}


def test_a_read_back_grows_the_history_and_the_version():
    out = Readout("nonsaturating", "mlp")
    out.record(10, {"d_loss": 0.7, "g_loss": 0.8}, 10)
    out.record(20, {"d_loss": 0.6, "g_loss": 0.9}, 10)
    snap = out.snapshot(step=20, device="cpu", d_output="probability", lr_g=1e-3, lr_d=1e-3, d_steps=1,
                        dataset="ring8", is_points=True, fixes={})
    assert snap.history["step"] == [10, 20] and snap.history["d_loss"] == [0.7, 0.6]
    assert snap.version == 2 and snap.status == "idle" and snap.step == 20


def test_going_back_to_the_last_good_copy_cuts_the_curves_and_pauses_with_the_sentence():
    out = Readout("nonsaturating", "mlp")
    for step in (10, 20, 30):
        out.record(step, {"d_loss": 0.5}, 10)
        out.add_metrics({"step": step, "modes_covered": 8})
    out.set_status("running")
    out.rolled_back(20, went_bad("d_loss", 31, 20))
    assert out.history.as_dict()["step"] == [10, 20] and [m["step"] for m in out.metrics] == [10, 20]
    assert out.status == "paused" and "d_loss became NaN/Inf near step 31" in out.message
    assert "from step 20" in out.message


def test_an_older_metrics_row_than_the_last_is_dropped():
    out = Readout("nonsaturating", "mlp")
    out.add_metrics({"step": 500, "modes_covered": 8})
    version = out.version
    out.add_metrics({"step": 250, "modes_covered": 1})  # (a picture computed before a newer one came back)
    assert [m["step"] for m in out.metrics] == [500] and out.version == version


def test_a_picture_without_field_or_samples_keeps_the_last_one():
    out = Readout("nonsaturating", "mlp")
    out.show(5, {"samples": None, "field": {"x": 1}})
    out.show(9, {"samples": None, "field": None})
    assert out.visual_step == 5 and out.visual["field"] == {"x": 1}


def test_reading_a_snapshot_marks_the_run_watched():
    out = Readout("hinge", "mlp")
    assert math.isinf(out.t_read)
    out.snapshot(step=0, device="", d_output="score", lr_g=1.0, lr_d=1.0, d_steps=1, dataset="", is_points=True,
                 fixes={})
    assert not math.isinf(out.t_read)


def test_only_the_readout_builds_a_snapshot_in_live():
    """Trainer and ClassRun answer snapshot() through their Readout (issue #25: the readout, once); a run
    still being built (live/single/building.py) answers a placeholder with no readout yet."""
    builders = []
    for path in sorted((ROOT / "live").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Snapshot":
                builders.append(str(path.relative_to(ROOT)))
    assert set(builders) == {"live/single/readout.py", "live/single/building.py"}, builders
