"""What a poll of the live view answers: a run's numbers, never a picture of them (issue #24).

A poll says what the page already has (`Have`: which run, its snapshot version, how many history
rows and the step of the last, the step its picture shows) and gets only what is newer, as JSON:

    {"schema": 1, "run": 3, "version": 12, "step": 1230, "status": "running", "its": 85.2,
     "button": "Pause" | "Resume", "status_html": "<p>…", "alerts_html": "<p>…", "note": "",
     "objective": "nonsaturating", "probability": true,
     "history": {"from": 118, "rows": {"step": [...], "d_loss": [...], ...}},   # its rows from index `from`
     "picture": null                                                    # the page's picture is current
              | {"kind": "field", "step": 1200, "bounds": [x0, x1, y0, y1], "probability": true,
                 "real": Q, "fake": Q, "arrows": Q, "heat": Q, "manifold": Q, "centers": [[x, y], ...] | null}
              | {"kind": "samples", "step": 1200, "png": "data:image/png;base64,…"}}

Q is an array packed as uint16: {"shape": [512, 2], "lo": lo, "hi": hi, "b64": "…"}, value =
lo + q * (hi - lo) / 65534, and q = 65535 marks a value that is not finite. A 2D field is ~11 KB of
it (the PNG it replaces was ~78 KB and cost the class process ~25 ms to draw). History values that
are not finite travel as null: the curve has a gap there.
"""

from __future__ import annotations

import base64
import functools
import math
from dataclasses import dataclass

import numpy as np
from markdown_it import MarkdownIt

from gan_core.pictures.viz import png_bytes
from live.single.history import SERIES
from live.snapshot import Snapshot

SCHEMA = 1
NOT_FINITE = 65535  # the packed value of NaN / Inf
NOTHING = -(2**53)  # the version a page holds before its first payload (runs' versions, even negative ones, are above)
FIELD_ARRAYS = ("real", "fake", "arrows", "heat", "manifold")


@dataclass(frozen=True)
class Have:
    """What the page shows already (sent with each poll; -1: nothing)."""

    version: int = NOTHING
    run: int = 0  # which run its numbers are of (the payload's "run"; a room's class run may be a new one)
    rows: int = 0  # history rows it holds
    last: int = -1  # the step of its last row: when ours differs there, its rows are not ours any more
    picture: int = -2  # the step its picture shows

    @classmethod
    def from_query(cls, query: dict[str, str]) -> "Have":
        """From a poll's query string; anything unreadable counts as 'nothing' (a full answer)."""
        def number(key: str, default: int) -> int:
            try:
                return max(NOTHING, min(int(query.get(key, default)), 2**53))
            except (TypeError, ValueError):
                return default
        return cls(number("v", NOTHING), max(0, number("r", 0)), max(0, number("h", 0)), number("t", -1),
                   max(-2, number("p", -2)))


def pack(values, bits: int = 16) -> dict:
    """An array as uint16 (or uint8: {"bits": 8}, for thumbnails) codes over its finite range [lo, hi],
    base64 of little-endian; the largest code marks a value that is not finite."""
    a = np.asarray(values, dtype=np.float64)
    top, dtype = (NOT_FINITE, "<u2") if bits == 16 else (255, "u1")
    finite = np.isfinite(a)
    lo, hi = (float(a[finite].min()), float(a[finite].max())) if finite.any() else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    q = np.full(a.shape, top, dtype=dtype)
    q[finite] = np.clip(np.round((a[finite] - lo) / span * (top - 1)), 0, top - 1)
    out = {"shape": list(a.shape), "lo": lo, "hi": lo + span, "b64": base64.b64encode(q.tobytes()).decode("ascii")}
    return out if bits == 16 else {**out, "bits": 8}


def unpack(packed: dict) -> np.ndarray:
    """The inverse of `pack` (tests; the browser does the same in live_view.js)."""
    top, dtype = (255, "u1") if packed.get("bits") == 8 else (NOT_FINITE, "<u2")
    q = np.frombuffer(base64.b64decode(packed["b64"]), dtype=dtype).reshape(packed["shape"]).astype(np.float64)
    values = packed["lo"] + q * (packed["hi"] - packed["lo"]) / (top - 1)
    values[q == top] = np.nan
    return values


THUMB_REAL, THUMB_FAKE = 200, 256  # points a board thumbnail draws (160 px: more would be one blot)


def thumbnail(field: dict) -> dict:
    """A 2D field for a class board thumbnail (D's heat map, real and fake points), ~2.5 KB: 8-bit
    codes are finer than a 160 px picture's pixels."""
    return {"bounds": [float(b) for b in field["bounds"]], "probability": bool(field["probability"]),
            "heat": pack(field["heat"], bits=8), "real": pack(np.asarray(field["real"])[:THUMB_REAL], bits=8),
            "fake": pack(np.asarray(field["fake"])[:THUMB_FAKE], bits=8)}


def field_picture(field: dict, step: int) -> dict:
    """A 2D run's field (gan_core.pictures.field.compute_field) as the page's picture."""
    out = {"kind": "field", "step": int(step), "bounds": [float(b) for b in field["bounds"]],
           "probability": bool(field["probability"])}
    for name in FIELD_ARRAYS:
        out[name] = pack(field[name])
    centers = field.get("centers")
    out["centers"] = None if centers is None else np.asarray(centers, dtype=np.float64).round(4).tolist()
    return out


def samples_picture(samples: np.ndarray, step: int) -> dict:
    """An image run's sample grid as a PNG data URL (the browser enlarges it with crisp pixels)."""
    png = base64.b64encode(png_bytes(samples, compress_level=1)).decode("ascii")
    return {"kind": "samples", "step": int(step), "png": "data:image/png;base64," + png}


def picture_of(snap: Snapshot) -> dict | None:
    if snap.field is not None:
        return field_picture(snap.field, snap.visual_step)
    if snap.samples is not None:
        return samples_picture(snap.samples, snap.visual_step)
    return None


def history_since(history: dict, have: Have) -> dict:
    """The rows the page lacks; all of them when its rows are not a prefix of ours any more (the
    history was thinned: live.single.history halves it as a run grows long; truncated after a NaN; a reset)."""
    steps = history.get("step", [])
    n = have.rows
    prefix = n == 0 or (n <= len(steps) and steps[n - 1] == have.last)
    start = n if prefix else 0
    rows = {k: [_finite_or_none(v) for v in history[k][start:]] for k in SERIES if k in history}
    rows["step"] = [int(s) for s in steps[start:]]  # (exact: the next poll names its last one)
    return {"from": start, "rows": rows}


def _finite_or_none(v):
    """A curve's value to 5 significant digits (a plot 400 px tall shows 3): a long run's whole history
    is ~half the bytes; not finite -> None (JSON null: a gap in the curve)."""
    return float(f"{v:.5g}") if v is not None and math.isfinite(v) else None


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": False})  # html off: a message is text, never markup


def html_of(markdown: str) -> str:
    """Our status and alert Markdown as HTML (raw HTML in it is escaped; <small> is the one tag we use)."""
    out = _markdown().render(markdown)  # (inline HTML comes out escaped)
    return out.replace("&lt;small&gt;", "<small>").replace("&lt;/small&gt;", "</small>")

