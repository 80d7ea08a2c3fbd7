"""What the page reads of a run: a `Snapshot`, a consistent copy taken under the run's lock.

Every kind of run (a thread, a process, a member of the class's batched step) answers
`Run.snapshot()` with one of these; the UI reads nothing else of a run. It is plain data (lists,
small numpy arrays), so it pickles across a process boundary as it is. Defaults describe a run
that has not trained yet, so a test or a placeholder names only what it cares about.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Snapshot:
    step: int = 0  # G updates so far
    status: str = "idle"  # idle | running | paused | done | error | ... (live.single.trainer)
    message: str = ""  # a sentence for the student (why paused, what went wrong)
    its: float = 0.0  # training steps per second, lately
    device: str = ""  # where it trains, in words ("CPU · 1 thread · batched with the class")
    alerts: list[str] = dataclasses.field(default_factory=list)  # teaching alerts now (live.single.alerts)
    version: int = 0  # grows whenever anything shown changes: the page redraws only then
    history: dict[str, list] = dataclasses.field(default_factory=dict)  # "step" + a list per series (single/history)
    metrics: list[dict] = dataclasses.field(default_factory=list)  # evaluation rows by step (gan_core.evaluation)
    samples: np.ndarray | None = None  # image runs: the sample grid, uint8 [H, W, 3]
    field: dict | None = None  # 2D runs: the field's arrays (pictures.field.compute_field; hence dataclasses.field)
    visual_step: int = -1  # the step that `samples` / `field` show (drawn every ~0.5 s: may lag `step`)
    d_output: str = "probability"  # what D's output means: "probability" or "score" (losses.d_output_kind)
    lr_g: float = 0.0  # the live settings as the run has them now
    lr_d: float = 0.0
    d_steps: int = 1
    dataset: str = ""
    is_points: bool = True  # a 2D run (field view) rather than images (sample grid)
    fixes: dict = dataclasses.field(default_factory=dict)  # the live fixes as they are now (live.single.live_fixes)
    # Across a process boundary only (`since` / `merged`): `history` holds its rows from this index on and
    # `metrics` its rows from this one, the reader has the rest. A snapshot a run's reader returns is whole (0, 0).
    history_from: int = 0
    metrics_from: int = 0


# -- a snapshot less what its reader holds (the class process -> the web server, every poll) ----------------
# A run's history grows to ~2,000 rows x 7 series and 120 metric rows: ~120 KB pickled, sent with every poll of
# a run that has trained for a few minutes, though the reader already holds all but the newest rows. At the end
# of a 45-minute class of 30 that cost the web server ~5 ms of CPU a poll, against ~2.5 ms early on
# (docs/CLASSROOM.md). The reader says what it holds; the run sends only what is newer.

Held = tuple  # (history rows, their last row as a tuple of values | None, metric rows, the last metric row | None)


def held(snap: "Snapshot | None") -> Held:
    """What a reader holding `snap` tells the run: how many rows it has, and its last row of each."""
    if snap is None or snap.history_from or snap.metrics_from:
        return (0, None, 0, None)
    rows = len(snap.history.get("step", ()))
    last = tuple(snap.history[k][rows - 1] for k in sorted(snap.history)) if rows else None
    return (rows, last, len(snap.metrics), snap.metrics[-1] if snap.metrics else None)


def since(snap: Snapshot, rows: int, last: tuple | None, metric_rows: int, last_metric: dict | None) -> Snapshot:
    """`snap` without the rows its reader holds, where the reader's rows are still a prefix of ours (its
    last row equal, value for value, to ours at that index: a history that was thinned, or cut back after a
    NaN and trained again, differs there, and then everything is sent). NaN is never equal: sent whole."""
    history, h_from = snap.history, 0
    n = len(history.get("step", ()))
    if isinstance(rows, int) and 0 < rows <= n and last == tuple(history[k][rows - 1] for k in sorted(history)):
        history, h_from = {k: v[rows:] for k, v in history.items()}, rows
    metrics, m_from = snap.metrics, 0
    if isinstance(metric_rows, int) and 0 < metric_rows <= len(metrics) and metrics[metric_rows - 1] == last_metric:
        metrics, m_from = metrics[metric_rows:], metric_rows
    if not h_from and not m_from:
        return snap
    return dataclasses.replace(snap, history=history, metrics=metrics, history_from=h_from, metrics_from=m_from)


def merged(part: Snapshot, before: Snapshot | None) -> Snapshot:
    """The whole snapshot again: `before` (what the reader sent `held` of) with `part`'s newer rows."""
    if not part.history_from and not part.metrics_from:
        return part
    if before is None:
        raise ValueError("a partial snapshot needs the one its reader held")
    history = part.history
    if part.history_from:
        history = {k: before.history[k][:part.history_from] + v for k, v in part.history.items()}
    metrics = before.metrics[:part.metrics_from] + part.metrics if part.metrics_from else part.metrics
    return dataclasses.replace(part, history=history, metrics=metrics, history_from=0, metrics_from=0)
