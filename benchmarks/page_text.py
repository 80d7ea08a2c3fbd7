"""Read what a student reads on the Train tab: the status line, the notice, the alerts panel.

The texts come from ui/train/view.py (`status_line`, `alerts_text`) and ui/train/handlers.py (the
notice, "⚠️ ..." after a refused button press). The live view's payload carries the status line
and the alerts as HTML (`status_html`, `alerts_html`, ui/live_view/payload.py html_of): `text_of`
turns them into the text a student reads, and the readers below take that text or the Markdown.
The bench learns each student's state from them, as a student would, and never asks the server's registry.
"""

from __future__ import annotations

import html
import re

_STATUS = re.compile(r"\*\*([^*]+)\*\*")  # '**running** · step 1,230 · ...' -> 'running'
_STEP = re.compile(r"step ([\d,]+)")
_MODES = re.compile(r"Modes (?:covered|reached): (?:\*\*)?(\d+) of (\d+)(?:\*\*)?, (?:but only )?(\d+)% of samples "
                    r"near a mode \(step ([\d,]+)\)")  # ("reached ..., but only": early, ui/train/view.py modes_line)
_TAG = re.compile(r"<[^>]*>")
WARNING = "⚠️"


def text_of(html_text: str | None) -> str:
    """HTML as the text it shows: tags dropped, entities read ('<p><strong>running</strong> · step 1,230'
    -> 'running · step 1,230')."""
    return html.unescape(_TAG.sub("", html_text or "")).strip()


def status_word(status: str) -> str | None:
    """'running', 'paused', 'idle', 'error', 'no run yet', or whatever word the app shows first: the
    bold words of the Markdown, or the text before the first ' · ' of the status line as shown."""
    m = _STATUS.search(status or "")
    if m:
        return m.group(1).strip()
    first = (status or "").split(" · ", 1)[0].strip()
    return first if first and " · " in (status or "") else None


def status_step(status: str) -> int | None:
    m = _STEP.search(status or "")
    return int(m.group(1).replace(",", "")) if m else None


def is_warning(text: str | None) -> bool:
    return bool(text) and WARNING in text


def modes(alerts: str) -> dict | None:
    """The alerts panel's latest mode count for 2D mixtures, or None when it shows none:
    {'covered': 8, 'of': 8, 'near_pct': 85, 'step': 1200}. The percentage is rounded to a whole
    number on the page."""
    found = _MODES.findall(alerts or "")
    if not found:
        return None
    covered, of, pct, step = found[-1]
    return {"covered": int(covered), "of": int(of), "near_pct": int(pct), "step": int(step.replace(",", ""))}


def quality_reached(m: dict | None, min_near_pct: int = 80) -> bool:
    """The bench's quality test (benchmarks/bench.py QUALITY['ring8']) as the page shows it: every
    mode covered and at least 80% of samples near a mode."""
    return m is not None and m["covered"] == m["of"] and m["near_pct"] >= min_near_pct
