"""The room's results as a CSV (ui/board/results.py): one row a member, numbers from its last snapshot,
and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

from live.snapshot import Snapshot
from ui.board.results import COLUMNS, MemberResult, results_csv, row_of


def ring(step: int, covered: int, hq: float, status: str = "running") -> Snapshot:
    return Snapshot(step=step, status=status, dataset="ring8",
                    metrics=[{"step": step, "modes_covered": covered, "n_modes": 8, "high_quality_fraction": hq}])


def test_a_row_says_what_the_board_says_as_numbers():
    row = row_of(MemberResult("Ana", "ring8-collapse+ttur", 3, ring(6000, 8, 0.8123)))
    assert row == {"name": "Ana", "preset": "ring8-collapse+ttur", "assigned": "", "seed": 3, "dataset": "ring8",
                   "steps": 6000, "status": "running", "covered": 8, "out_of": 8, "unit": "modes",
                   "high_quality_fraction": 0.812, "pile": "covers all", "verdict": row["verdict"]}
    collapsed = row_of(MemberResult("Run 2", "ring8-collapse", 4, ring(6000, 1, 0.9, "paused")))
    assert collapsed["pile"] == "collapsed" and collapsed["verdict"] and collapsed["covered"] == 1


def test_a_member_without_a_run_has_a_row_too():
    row = row_of(MemberResult("Run 3", None, None, None))
    assert row["status"] == "no run" and row["pile"] == "not started" and row["steps"] == 0 and row["seed"] == ""


def test_the_csv_has_a_header_and_a_row_a_member_in_order():
    members = [MemberResult(f"Run {i}", "ring8", i, ring(1000 * i, 8, 0.7)) for i in range(1, 4)]
    rows = list(csv.DictReader(io.StringIO(results_csv(members))))
    assert list(rows[0]) == list(COLUMNS) and [r["name"] for r in rows] == ["Run 1", "Run 2", "Run 3"]
    assert [r["steps"] for r in rows] == ["1000", "2000", "3000"]


def test_a_nickname_that_looks_like_a_formula_is_written_as_text():
    text = results_csv([MemberResult("=HYPERLINK(\"http://x\")", "ring8", 0, None),
                        MemberResult("+1", "ring8", 0, None), MemberResult("Ana, \"B\"", "ring8", 0, None)])
    names = [r["name"] for r in csv.DictReader(io.StringIO(text))]
    assert names == ["'=HYPERLINK(\"http://x\")", "'+1", "Ana, \"B\""]


def test_the_assigned_variant_has_a_column_of_its_own():
    rows = list(csv.DictReader(io.StringIO(results_csv([
        MemberResult("Run 1", "ring8-collapse+ttur", 1, ring(900, 8, 0.7), assigned="ring8-collapse+ttur"),
        MemberResult("Run 2", "ring8", 0, ring(900, 8, 0.7), assigned="ring8-collapse")]))))
    assert [(r["preset"], r["assigned"]) for r in rows] == [("ring8-collapse+ttur", "ring8-collapse+ttur"),
                                                           ("ring8", "ring8-collapse")]
