"""What the class board shows, from the room's runs' last snapshots: plain data and text, no gradio.

- `BoardRun`: one member of the room as the board sees it (a name, the last snapshot, a thumbnail).
- `judge`: which pile a run is in (not started, covers everything, collapsed, still learning) and its
  verdict, from the metrics the run records while it trains (gan_core.evaluation.verdict.live_verdict).
- `summary_line`: "21 of 28 runs cover all 8 modes; 4 collapsed; 3 have not started".
- `board_html`: one small HTML of thumbnails, each framed in its verdict's colour (names escaped).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass

from gan_core.evaluation.verdict import Verdict, live_verdict
from live.snapshot import Snapshot

COLOURS = {"healthy": "#1a9850", "warning": "#e08214", "collapse": "#d73027", "waiting": "#9e9e9e"}
NOT_STARTED, COVERS_ALL, COLLAPSED, LEARNING = "not started", "covers all", "collapsed", "learning"
MARKS = {NOT_STARTED: "○", COVERS_ALL: "✓", COLLAPSED: "✗", LEARNING: "…"}  # the pile as a shape, not a colour
# Every run starts on one blob (the untrained G covers 0 or 1 mode): a measurement this early says
# "not spread out yet", not "collapsed". Past it, the verdict stands (ring8-collapse stays collapsed).
JUDGE_FROM_STEP = 500
EARLY = Verdict("warning", f"too early to judge: measured before step {JUDGE_FROM_STEP}")


@dataclass(frozen=True)
class BoardRun:
    token: str  # the member's opaque token: what a click on its thumbnail sends back
    name: str  # nickname or "Run 3", as typed (bounded by live.serving.rooms.clean_nickname), escaped here
    snap: Snapshot | None  # the run's last snapshot; None while the student has no run
    thumb: str | dict | None = None  # a 2D run's thumbnail numbers, an image run's URL; None before a picture


def latest_metrics(snap: Snapshot | None) -> dict | None:
    """The newest live metrics that count modes or classes (an entry may be an error instead)."""
    for m in reversed(snap.metrics if snap is not None else []):
        if "modes_covered" in m or "classes_covered" in m:
            return m
    return None


def coverage(m: dict | None) -> tuple[int, int, str] | None:
    """(covered, out of, 'modes' | 'classes') from live metrics, or None."""
    if m is None:
        return None
    if "modes_covered" in m:
        return int(m["modes_covered"]), int(m["n_modes"]), "modes"
    return int(m["classes_covered"]), int(m["n_classes"]), "classes"


def judge(snap: Snapshot | None) -> tuple[str, Verdict | None]:
    """(pile, verdict): NOT_STARTED (no run, or step 0), COVERS_ALL, COLLAPSED or LEARNING."""
    if snap is None or not snap.step:
        return NOT_STARTED, None
    m = latest_metrics(snap)
    verdict = None if m is None else live_verdict(m)
    cov = coverage(m)
    if cov is not None and cov[0] >= cov[1]:
        return COVERS_ALL, verdict
    if m is not None and m.get("step", 0) < JUDGE_FROM_STEP:
        return LEARNING, EARLY
    if verdict is not None and verdict.level == "collapse":
        return COLLAPSED, verdict
    return LEARNING, verdict


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_line(runs: list[BoardRun]) -> str:
    """One line for the whole room, e.g. '21 of 28 runs cover all 8 modes; 4 collapsed; 3 have not started'."""
    if not runs:
        return "No runs in this room yet: students join with the link above."
    piles = Counter(judge(r.snap)[0] for r in runs)
    units = {cov[1:] for cov in (coverage(latest_metrics(r.snap)) for r in runs) if cov is not None}
    if len(units) == 1:
        n, noun = next(iter(units))
        what = f"all {n} {noun}"
    else:  # a room mixing datasets (or none measured yet)
        what = "all their modes or classes"
    verb = "covers" if len(runs) == 1 else "cover"
    parts = [f"{piles[COVERS_ALL]} of {_plural(len(runs), 'run', 'runs')} {verb} {what}"]
    if piles[COLLAPSED]:
        parts.append(f"{piles[COLLAPSED]} collapsed")
    if piles[LEARNING]:
        parts.append(f"{piles[LEARNING]} still learning")
    if piles[NOT_STARTED]:
        parts.append(f"{piles[NOT_STARTED]} {'has' if piles[NOT_STARTED] == 1 else 'have'} not started")
    return "; ".join(parts)


def caption(run: BoardRun) -> str:
    """'Ana · step 1,200 · 8/8 modes' (plain text, not yet escaped)."""
    if run.snap is None:
        return f"{run.name} · no run yet"
    parts = [run.name, f"step {run.snap.step:,}"]
    cov = coverage(latest_metrics(run.snap))
    if cov is not None and run.snap.step:
        parts.append(f"{cov[0]}/{cov[1]} {cov[2]}")
    if run.snap.status in ("paused", "error"):
        parts.append(run.snap.status)
    return " · ".join(parts)


def _tile(run: BoardRun) -> str:
    pile, verdict = judge(run.snap)
    level = verdict.level if verdict is not None and pile != NOT_STARTED else "waiting"
    text = html.escape(caption(run))
    title = html.escape(verdict.text if verdict is not None and pile != NOT_STARTED else pile)
    token = html.escape(run.token, quote=True)
    if isinstance(run.thumb, dict):  # drawn in the browser (live_view.js drawThumbs)
        numbers = html.escape(json.dumps(run.thumb, separators=(",", ":")), quote=True)
        picture = f'<canvas class="board-thumb" role="img" aria-label="{text}" data-thumb="{numbers}"></canvas>'
    elif run.thumb is not None:
        picture = f'<img src="{html.escape(run.thumb, quote=True)}" alt="{text}" loading="lazy">'
    else:
        picture = '<div class="board-empty">waiting for a picture</div>'
    # the pile in words too (the frame's colour alone is lost to a red-green colour-blind eye), and a tile
    # a keyboard reaches and opens (Enter or Space: BOARD_JS)
    return (f'<figure class="board-run board-{level}" data-run="{token}" title="{title}" tabindex="0" '
            f'role="button" aria-label="{text} · {html.escape(pile)}: show it full size" '
            f'style="border-color:{COLOURS[level]}">{picture}<figcaption>{text}'
            f'<span class="board-pile">{MARKS[pile]} {html.escape(pile)}</span></figcaption></figure>')


def board_html(runs: list[BoardRun]) -> str:
    """The summary line over a grid of framed thumbnails (one <img> per run that has a picture)."""
    tiles = "".join(_tile(r) for r in runs)
    return (f'<p class="board-summary">{html.escape(summary_line(runs))}</p>'
            f'<div class="board-grid">{tiles}</div>')


BOARD_CSS = """
.board-summary { font-size: 1.35em; font-weight: 600; margin: 0.2em 0 0.6em; }
.board-grid { display: flex; flex-wrap: wrap; gap: 12px; }
.board-run { margin: 0; width: 172px; border: 5px solid #9e9e9e; border-radius: 8px; padding: 2px;
             background: #fff; cursor: pointer; }
.board-run img, .board-run canvas { display: block; width: 100% !important; height: auto !important;
                                     image-rendering: pixelated; aspect-ratio: 1; }
.board-run figcaption { font-size: 0.85em; line-height: 1.25; padding: 3px 2px 0; overflow-wrap: anywhere;
                        color: #222; }
.board-run:focus-visible { outline: 3px solid #1f2937; outline-offset: 2px; }
.board-pile { display: block; font-weight: 600; }
.board-empty { height: 160px; display: flex; align-items: center; justify-content: center; color: #777;
               font-size: 0.85em; }
"""

# one listener on the whole board (its HTML is replaced every poll): a click on a tile sends its token; the
# 2D runs' thumbnails are drawn from their numbers each time the HTML changes (ui/live_view/live_view.js)
BOARD_JS = """
element.addEventListener('click', (e) => { const tile = e.target.closest('[data-run]');
  if (tile) trigger('click', {run: tile.dataset.run}); });
element.addEventListener('keydown', (e) => { const tile = e.target.closest('[data-run]');
  if (tile && (e.key === 'Enter' || e.key === ' ')) {
    e.preventDefault(); trigger('click', {run: tile.dataset.run}); } });
window.GanLive.drawThumbs(element);
watch('value', () => window.GanLive.drawThumbs(element));
"""
