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
