"""The room's results to take home (issue #27, "Take it home"): one CSV row per member of the room, from the
runs' last snapshots (what the board shows, as numbers). Plain data and text, no gradio.

Columns: the name on the board (nickname or "Run 3"), the preset the run was made from (the variant), the
variant the class experiment assigned the member (ui/board/experiment.py; "" without one: a run made from
its assignment has the same preset and its seed), the seed, the dataset, the steps trained, the run's
status, what it covers (modes or classes, out of how many), the high-quality fraction where the run measures
one, the pile (covers all / collapsed / learning / not started) and the verdict's sentence. A cell a
spreadsheet would read as a formula (a nickname "=1+1") is written as text (OWASP's CSV injection advice: a
leading quote).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from live.snapshot import Snapshot
from ui.board.view import coverage, judge, latest_metrics

COLUMNS = ("name", "preset", "assigned", "seed", "dataset", "steps", "status", "covered", "out_of", "unit",
           "high_quality_fraction", "pile", "verdict")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class MemberResult:
    name: str  # as the board shows it (live.serving.rooms: bounded, printable)
    preset: str | None  # what the run was made from (the page's preset name); None without a run
    seed: int | None
    snap: Snapshot | None  # the run's last snapshot; None while the member has no run
    assigned: str | None = None  # the variant the class experiment assigned the member; None: no assignment


def row_of(m: MemberResult) -> dict:
    """One member's row, {column: value} (numbers as numbers, "" where there is nothing to say)."""
    snap = m.snap
    pile, verdict = judge(snap)
    metrics = latest_metrics(snap)
    cov = coverage(metrics)
    return {"name": m.name, "preset": m.preset or "", "assigned": m.assigned or "",
            "seed": "" if m.seed is None else m.seed,
            "dataset": snap.dataset if snap is not None else "", "steps": snap.step if snap is not None else 0,
            "status": snap.status if snap is not None else "no run", "covered": cov[0] if cov else "",
            "out_of": cov[1] if cov else "", "unit": cov[2] if cov else "",
            "high_quality_fraction": round(float(metrics["high_quality_fraction"]), 3)
            if metrics is not None and "high_quality_fraction" in metrics else "",
            "pile": pile, "verdict": verdict.text if verdict is not None else ""}


def _cell(value) -> str | int | float:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def results_csv(members: list[MemberResult]) -> str:
    """The CSV text: a header, then one row a member in the board's order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for m in members:
        writer.writerow({k: _cell(v) for k, v in row_of(m).items()})
    return out.getvalue()
