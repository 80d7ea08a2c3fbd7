"""What the board shows of the class experiment (issue #27, part 2): the live question's answers, and the
runs measured by variant beside the committed 5-seed result. Plain data and HTML, no gradio.

- `variant_rows`: per variant, its runs in the board's piles (ui/board/view.judge): how many cover every
  mode, collapsed, are still learning, have not started. A member's run counts for its variant only when
  it was made from the assigned preset with the assigned seed (a student who trains something else
  counts as not started: the experiment measures what it assigned).
- `question_html`: the question, and a bar per choice (or the numbers' median and range).
- `experiment_html`: both, the HTML of the board's experiment panel (every text escaped).
"""

from __future__ import annotations

import html
import statistics
from dataclasses import dataclass

from live.serving.class_experiment import Question, Slot, Tally
from live.snapshot import Snapshot
from ui.board.committed import committed
from ui.board.view import COLLAPSED, COVERS_ALL, LEARNING, MARKS, NOT_STARTED, judge

PILES = (COVERS_ALL, COLLAPSED, LEARNING, NOT_STARTED)


@dataclass(frozen=True)
class Assigned:
    """One member of the experiment as the board sees it."""
    slot: Slot
    made_from: str | None  # the preset its run was made from (None: no run)
    seed: int | None  # its run's seed
    snap: Snapshot | None  # its run's last snapshot


@dataclass(frozen=True)
class VariantRow:
    variant: str
    runs: int  # members assigned it
    piles: dict  # pile -> how many
    committed: str  # the committed result's sentence, or ""


def pile_of(a: Assigned) -> str:
    """The member's pile for its variant: its run's, if made from the assignment, else not started."""
    if a.made_from != a.slot.variant or a.seed != a.slot.seed:
        return NOT_STARTED
    return judge(a.snap)[0]


def variant_rows(variants: tuple[str, ...], members: list[Assigned]) -> list[VariantRow]:
    rows = []
    for variant in variants:
        mine = [pile_of(a) for a in members if a.slot.variant == variant]
        known = committed(variant)
        rows.append(VariantRow(variant, len(mine), {p: mine.count(p) for p in PILES},
                               known.text if known is not None else ""))
    return rows


def headline(row: VariantRow) -> str:
    """'ring8-collapse+ttur: 14 of 15 runs cover every mode'."""
    return f"{row.variant}: {row.piles[COVERS_ALL]} of {row.runs} run{'s' if row.runs != 1 else ''} cover every mode"


def _bars(question: Question, tally: Tally) -> str:
    top = max(tally.counts or (0,)) or 1
    rows = "".join(
        f'<div class="xp-bar"><span class="xp-choice">{chr(65 + i)}. {html.escape(text)}</span>'
        f'<span class="xp-fill" style="width:{round(100 * n / top)}%"></span><b>{n}</b></div>'
        for i, (text, n) in enumerate(zip(question.choices, tally.counts)))
    return f'<div class="xp-bars">{rows}</div>'


def _numbers(tally: Tally) -> str:
    if not tally.numbers:
        return '<p class="xp-none">No answers yet.</p>'
    values = tally.numbers
    return (f'<p class="xp-numbers">median <b>{statistics.median(values):g}</b> · from {min(values):g} to '
            f'{max(values):g} · mean {statistics.fmean(values):.3g}</p>')


def question_html(question: Question | None, tally: Tally, members: int) -> str:
    if question is None:
        return '<p class="xp-none">No question open: pick a step and press <b>Ask the class</b>.</p>'
    state = "revealed to the class" if question.revealed else "answers coming in"
    kind = "" if question.choices else f" (a number from {question.low:g} to {question.high:g})"
    head = (f'<p class="xp-question"><b>Question {question.serial}</b>{html.escape(kind)}: '
            f'{html.escape(question.text)}</p><p class="xp-count">{tally.answered} of {members} answered · {state}</p>')
    return head + (_bars(question, tally) if question.choices else _numbers(tally))


def _table(rows: list[VariantRow]) -> str:
    if not rows:
        return '<p class="xp-none">No variants assigned: pick two or more and press <b>Assign</b>.</p>'
    head = "".join(f"<th>{MARKS[p]} {html.escape(p)}</th>" for p in PILES)
    body = "".join(
        f"<tr><th scope=\"row\">{html.escape(r.variant)}</th><td>{r.runs}</td>"
        + "".join(f"<td>{r.piles[p]}</td>" for p in PILES)
        + f"<td>{html.escape(r.committed) or '—'}</td></tr>" for r in rows)
    lines = "".join(f"<li>{html.escape(headline(r))}</li>" for r in rows)
    return (f'<ul class="xp-headlines">{lines}</ul><table class="xp-table"><thead><tr><th>variant</th><th>runs</th>'
            f'{head}<th>committed result</th></tr></thead><tbody>{body}</tbody></table>')


def experiment_html(question: Question | None, tally: Tally, members: int, rows: list[VariantRow]) -> str:
    """The board's experiment panel: the room's predictions beside its measured runs."""
    return (f'<div class="xp"><section class="xp-predict"><h3>The room predicts</h3>'
            f'{question_html(question, tally, members)}</section>'
            f'<section class="xp-measure"><h3>The room measures</h3>{_table(rows)}</section></div>')


EXPERIMENT_CSS = """
.xp { display: flex; flex-wrap: wrap; gap: 12px 28px; font-size: 1.05em; }
.xp section { min-width: 0; overflow-x: auto; }
.xp-predict { flex: 1 1 340px; }
.xp-measure { flex: 2 1 520px; }
.xp h3 { margin: 0 0 4px; font-size: 1.1em; }
.xp-question, .xp-count, .xp-numbers, .xp-none { margin: 2px 0 6px; }
.xp-count { color: #444; }
.xp-bar { display: grid; grid-template-columns: minmax(8em, 40%) 1fr 2.5em; align-items: center; gap: 8px;
          margin: 3px 0; }
.xp-fill { display: block; height: 1.1em; background: #5e3c99; border-radius: 3px; min-width: 2px; }
.xp-bar b { text-align: right; }
.xp-headlines { margin: 0 0 6px 1.1em; padding: 0; font-weight: 600; font-size: 1.1em; }
.xp-table { border-collapse: collapse; width: 100%; }
.xp-table th, .xp-table td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; font-size: 0.95em; }
"""
