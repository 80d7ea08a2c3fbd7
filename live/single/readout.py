"""A run's readout: what the page sees of a run besides its weights, kept one way by every kind of run.

A `Trainer` (a run on a thread) and a `ClassRun` (a run of the class process) each keep one `Readout`
and answer `snapshot()` from it. The readout holds the history of read-backs (a mean of each series
over the last `log_every` steps), the evaluation rows, the teaching alerts, the speed, the status and
its sentence, the latest picture, and the version that the page redraws on. Its owner holds its own lock
around every call (Trainer: its condition; ClassRun: the class host's lock); the readout has none.

NaN/Inf is one sentence (`went_bad`) whichever kind of run went back to its last good copy
(live.single.rollback.LastGood: a Trainer's, the solo lane's; a batched group keeps its own per slot).
"""

from __future__ import annotations

import math
import time

import torch

from live.single.alerts import AlertState, alerts_for
from live.single.history import SERIES, History, with_metrics
from live.snapshot import Snapshot


def went_bad(what: str, step: int, good_step: int) -> str:
    """The sentence of a run that went NaN/Inf and went back to its last good weights."""
    return (f"{what} became NaN/Inf near step {step}: paused and went back to the last good weights, from step "
            f"{good_step}. Try a lower learning rate, gradient clipping or a different objective.")


def means(buffer: list[dict[str, torch.Tensor]]) -> dict[str, float]:
    """{series: the mean over the buffered steps} (the gradient norms, computed on the last step only,
    are the mean of the steps that have them): one history row, read back in one sync."""
    keys = [k for k in SERIES if any(k in b for b in buffer)]
    if not keys:
        return {}
    stacked = torch.stack([torch.stack([b[k] for b in buffer if k in b]).float().mean() for k in keys])
    return dict(zip(keys, stacked.cpu().tolist()))  # <- the sync point


class Readout:
    """What a run shows. `record` a read-back, `add_metrics` an evaluation row, `show` a picture,
    `rolled_back` after NaN/Inf; `snapshot` copies it all for the page with the run's own settings."""

    def __init__(self, objective: str, arch: str):
        self.objective, self.arch = objective, arch  # the loss's objective and the networks: which alerts, what levels
        self.history = History(SERIES)
        self.metrics: list[dict] = []  # evaluation rows by step, thinned (history.with_metrics)
        self.alerts: list[str] = []
        self.alert_state = AlertState()  # what alerts_for remembers between read-backs (D winning, gradient norms)
        self.status, self.message = "idle", ""
        self.its = 0.0  # steps per second, measured over about a second
        self._t_mark, self._step_mark = time.perf_counter(), 0
        self.visual: dict = {"samples": None, "field": None}
        self.visual_step = -1  # the step the picture shows
        self.t_visual = 0.0  # when the picture was last drawn
        self.t_read = -math.inf  # when the page last read a snapshot (a run nobody watches draws nothing)
        self.version = 0

    def changed(self) -> None:
        self.version += 1

    def set_status(self, status: str, message: str = "") -> None:
        self.status, self.message = status, message
        self.changed()

    def record(self, step: int, values: dict[str, float], n: int) -> None:
        """A read-back: `values` are the means over the `n` steps ending at `step` (all finite)."""
        now = time.perf_counter()
        self.history.append(step, values)
        if now - self._t_mark >= 1.0:
            self.its = (step - self._step_mark) / (now - self._t_mark)
            self._t_mark, self._step_mark = now, step
        self.alerts, self.alert_state = alerts_for(self.objective, self.arch, values, n, step, self.alert_state)
        self.changed()

    def rolled_back(self, step: int, message: str) -> None:
        """The run went back to its last good copy, at `step`: the curves go on from there, and it pauses."""
        self.history.truncate(step)
        self.metrics = [m for m in self.metrics if m["step"] <= step]
        self.set_status("paused", message)

    def add_metrics(self, row: dict) -> None:
        """An evaluation row {"step", ...} (or {"step", "error"}); an older one than the last is dropped."""
        if not self.metrics or row["step"] > self.metrics[-1]["step"]:
            self.metrics = with_metrics(self.metrics, row)
            self.changed()

    def watched_within(self, now: float, seconds: float) -> bool:
        return now - self.t_read <= seconds

    def show(self, step: int, visual: dict) -> None:
        """A picture of the run at `step` ({"samples", "field"}); one with neither keeps the last."""
        if visual.get("field") is not None or visual.get("samples") is not None:
            self.visual, self.visual_step = visual, step
        self.t_visual = time.perf_counter()
        self.changed()

    def snapshot(self, *, step: int, device: str, d_output: str, lr_g: float, lr_d: float, d_steps: int,
                 dataset: str, is_points: bool, fixes: dict) -> Snapshot:
        """The page's copy (its owner's lock held), with what the run itself knows of its settings.
        Reading it marks the run as watched, so its pictures keep coming."""
        self.t_read = time.perf_counter()
        return Snapshot(
            step=step, status=self.status, message=self.message, its=self.its, device=device,
            alerts=list(self.alerts), version=self.version, history=self.history.as_dict(),
            metrics=list(self.metrics), samples=self.visual["samples"], field=self.visual["field"],
            visual_step=self.visual_step, d_output=d_output, lr_g=lr_g, lr_d=lr_d, d_steps=d_steps,
            dataset=dataset, is_points=is_points, fixes=fixes)
