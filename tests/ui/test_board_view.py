"""The class board's view (ui/board/view.py) on fake snapshots: piles, the summary counts, the HTML."""

import html
import json
import re

import numpy as np
import pytest

from gan_core.pictures.field_thumb import shrink
from live.snapshot import Snapshot
from ui.board.view import (
    COLLAPSED,
    COVERS_ALL,
    LEARNING,
    NOT_STARTED,
    BoardRun,
    board_html,
    caption,
    judge,
    summary_line,
)
from ui.live_view.payload import thumbnail, unpack


def snap(step=1000, covered=None, n=8, status="running", quality=0.9, key="modes"):
    metrics = []
    if covered is not None:
        if key == "modes":
            metrics = [{"step": step, "modes_covered": covered, "n_modes": n, "high_quality_fraction": quality,
                        "kl_to_uniform": 0.01}]
        else:
            metrics = [{"step": step, "classes_covered": covered, "n_classes": n, "kl_to_uniform": 0.01,
                        "mean_confidence": 0.9}]
    return Snapshot(step=step, status=status, metrics=metrics + [{"step": step + 1, "error": "late"}])


def runs_like_the_issue() -> list[BoardRun]:
    """21 runs on all 8 modes, 4 collapsed, 3 not started (one of them has no run at all)."""
    runs = [BoardRun(f"t{i}", f"Run {i}", snap(covered=8), "x.png") for i in range(21)]
    runs += [BoardRun(f"c{i}", f"Run c{i}", snap(covered=1), "x.png") for i in range(4)]
    runs += [BoardRun("w0", "Run w0", snap(step=0, covered=1), "x.png"), BoardRun("w1", "Run w1", snap(step=0)),
             BoardRun("w2", "Run w2", None)]
    return runs


def test_the_summary_line_of_the_issue():
    assert summary_line(runs_like_the_issue()) == "21 of 28 runs cover all 8 modes; 4 collapsed; 3 have not started"


@pytest.mark.parametrize("s, pile, level", [
    (None, NOT_STARTED, None), (snap(step=0, covered=8), NOT_STARTED, None),
    (snap(covered=8), COVERS_ALL, "healthy"), (snap(covered=8, quality=0.2), COVERS_ALL, "warning"),
    (snap(covered=2), COLLAPSED, "collapse"), (snap(covered=6), LEARNING, "warning"), (snap(), LEARNING, None),
    (snap(step=300, covered=1), LEARNING, "warning"),  # (too early to judge: every run starts as one blob)
    (snap(step=300, covered=8), COVERS_ALL, "healthy"),  # (issue #26: 8/8 is never framed "too early")
    (snap(covered=10, n=10, key="classes"), COVERS_ALL, "healthy"),
    (snap(covered=3, n=10, key="classes"), COLLAPSED, "collapse")])
def test_piles_and_verdicts(s, pile, level):
    got, verdict = judge(s)
    assert got == pile
    if pile != NOT_STARTED:
        assert (verdict.level if verdict else None) == level


def test_summary_wording():
    assert summary_line([]).startswith("No runs in this room yet")
    one = [BoardRun("a", "A", snap(covered=6))]
    assert summary_line(one) == "0 of 1 run covers all 8 modes; 1 still learning"
    digits = [BoardRun("a", "A", snap(covered=10, n=10, key="classes")), BoardRun("b", "B", None)]
    assert summary_line(digits) == "1 of 2 runs cover all 10 classes; 1 has not started"
    mixed = [BoardRun("a", "A", snap(covered=8)), BoardRun("b", "B", snap(covered=25, n=25))]
    assert summary_line(mixed) == "2 of 2 runs cover all their modes or classes"


def test_board_html_has_one_img_per_run_with_a_picture_framed_by_its_verdict():
    runs = runs_like_the_issue()
    page = board_html(runs)
    assert page.count("<img ") == 26 and page.count('class="board-run') == 28
    assert page.count("board-healthy") == 21 and page.count("board-collapse") == 4 and page.count("board-waiting") == 3
    assert "21 of 28 runs cover all 8 modes" in page


def test_names_are_escaped_and_tokens_not_sessions():
    page = board_html([BoardRun('t"1', "<script>alert(1)</script>", snap(covered=8), 'a.png" onerror="x')])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'data-run="t&quot;1"' in page and 'onerror="x' not in page


def test_caption():
    assert caption(BoardRun("a", "Ana", snap(step=1200, covered=8))) == "Ana · step 1,200 · 8/8 modes"
    assert caption(BoardRun("a", "Ana", snap(step=5, status="paused"))) == "Ana · step 5 · paused"
    assert caption(BoardRun("a", "Run 2", None)) == "Run 2 · no run yet"


def test_thumbnails_are_small():
    field = {"heat": np.random.rand(30, 30), "probability": True, "bounds": (-2.0, 2.0, -2.0, 2.0),
             "real": np.random.randn(500, 2), "fake": np.array([[0.0, 0.0], [np.nan, 1.0], [50.0, 50.0]])}
    numbers = thumbnail(field)
    assert len(json.dumps(numbers)) < 3_000  # (the browser draws it: ui/live_view/live_view.js drawThumbs)
    assert unpack(numbers["real"]).shape == (200, 2) and np.isnan(unpack(numbers["fake"])[1, 0])
    heat = unpack(numbers["heat"])
    assert np.abs(heat - field["heat"]).max() <= (numbers["heat"]["hi"] - numbers["heat"]["lo"]) / 254 / 2 + 1e-9
    grid = np.zeros((330, 330, 3), np.uint8)
    assert shrink(grid).shape == (110, 110, 3) and shrink(grid[:100, :100]).shape == (100, 100, 3)


def test_a_2d_runs_tile_carries_its_numbers_escaped():
    numbers = {"bounds": [0, 1, 0, 1], "note": "</canvas><script>x</script>\"'"}
    page = board_html([BoardRun("t1", "Ana", snap(covered=8), numbers)])
    assert "<script>" not in page and page.count("<canvas") == 1
    raw = re.search(r'data-thumb="([^"]*)"', page).group(1)
    assert json.loads(html.unescape(raw)) == numbers


def test_the_board_html_is_small():
    """30 runs: a few KB of HTML each poll (the pictures are separate files the browser caches)."""
    runs = [BoardRun(f"{i:016x}", f"Student number {i}", snap(covered=8), f"gradio_api/file=/tmp/{i:032x}/t.png")
            for i in range(30)]
    assert len(board_html(runs)) < 16_000
    assert not re.search(r"session", board_html(runs))
