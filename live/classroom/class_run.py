"""One student's run inside the class process: what a Trainer is for a run alone, without a thread.

The class host's one thread steps every run of a group together (live.classroom.batched); a `ClassRun` is
the rest of a run as its student sees it: its commands (start, pause, step jobs, live changes),
its read-backs every `log_every` steps (history, alerts, mode count), its pictures while someone
watches, and its snapshot, in the same shape as `live.single.trainer.Trainer.snapshot()`. The host
calls the `_`-methods from its thread with the host's lock held; the public methods are called by
the process's serving threads and take the same lock.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_core import checkpoint
from gan_core.config import RunConfig
from gan_core.data import Dataset
from gan_core.device import describe
from gan_core.losses import d_output_kind
from gan_core.noise import sample_z
from gan_core.pictures.viz import render_visuals
from live.run import PAUSE_FIRST, LiveSettings
from live.single.history import SERIES
from live.single.live_fixes import fixes_of
from live.single.readout import Readout, means
from live.single.trainer import SLOW_MOTION_TIMEOUT_S, WATCHED_S
from live.snapshot import Snapshot

LANE_WORDS = {"batched": " · batched with the class",
              "solo": " · in the class process, stepped alone (a fix the batched step cannot do)"}
VISUAL_EVERY_S = 1.0  # a watched run's field at most this often (its numbers: a few ms; the browser draws)


class SlowJob:
    """A slow-motion step a serving thread asked for; the class loop computes it in its turn (fair share)."""

    def __init__(self):
        self.taken = False  # the loop has begun it
        self.frames: list | None = None
        self.error: str | None = None
        self._done = threading.Event()

    def finish(self, frames: list | None = None, error: str | None = None) -> None:
        self.frames, self.error = frames, error
        self._done.set()

    def wait(self, timeout: float) -> list:
        if not self._done.wait(timeout):
            raise ValueError("the class is busy and the slow step did not come in time: press Slow motion again.")
        if self.error:
            raise ValueError(self.error)
        return self.frames


@dataclass
class RunView:
    """One run's networks (copies exported from its group) with what the picture and metric code
    reads of a gan_core GAN: G, D, G_eval, data, cfg, device, num_classes, step, sample_z."""

    G: torch.nn.Module
    D: torch.nn.Module
    G_ema: torch.nn.Module | None
    data: Dataset
    cfg: RunConfig
    step: int
    device: torch.device = torch.device("cpu")
    num_classes: int = 0

    @property
    def G_eval(self) -> torch.nn.Module:
        return self.G_ema if self.G_ema is not None else self.G

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z [n, nz] from the model's noise distribution (as GAN.sample_z)."""
        return sample_z(n, self.cfg.model.nz, self.cfg.model.noise, generator, self.device)

    def current_config(self) -> RunConfig:  # (checkpoint.save reads it)
        return self.cfg


class ClassRun:
    """A run of the class process. Public methods: the Trainer's, minus what only a thread has."""

    def __init__(self, host, run_id: str, cfg: RunConfig, data: Dataset, *, metric_fn=None, metrics_every: int = 250):
        self.host, self.run_id, self.cfg, self.data = host, run_id, cfg, data
        self.metric_fn, self.metrics_every = metric_fn, metrics_every
        self.d_steps = cfg.train.d_steps
        self.slow_job: SlowJob | None = None  # a slow step asked for and not yet done
        self.changes = 0  # commands that change the weights' future (a slow step computed meanwhile is dropped)
        g = torch.Generator().manual_seed(cfg.train.seed + 1)  # the fixed noise: its own stream, as Trainer's
        self.fixed_z = sample_z(512, cfg.model.nz, cfg.model.noise, g)
        self._clear()

    def _clear(self) -> None:
        """The state a reset clears (the host resets the weights)."""
        self.running, self.jobs = False, deque()  # jobs: (n, mode, done Event) of Step presses
        self.step_count, self.buffer = 0, []
        self.out = Readout(self.cfg.loss.objective, self.cfg.model.arch)  # what the page sees: single/readout.py
        self.live: dict = {}

    # -- what the host asks ----------------------------------------------------------------------
    def _mode(self) -> str | None:
        """What this run takes at the next class step: "both", "d", "g", or None (it waits)."""
        if self.jobs:
            return self.jobs[0][1]
        return "both" if self.running else None

    def _stepped(self, numbers: dict[str, torch.Tensor], step: int) -> bool:
        """After a class step this run took: buffer its numbers; True when a read-back is due."""
        self.step_count = step
        self.buffer.append(numbers)
        if self.jobs:
            n, mode, done = self.jobs[0]
            if n <= 1:
                self.jobs.popleft()
                done.set()
                return True  # a Step job ends with a read-back and a picture, as Trainer's
            self.jobs[0] = (n - 1, mode, done)
        return len(self.buffer) >= self.cfg.train.log_every

    def _read_back(self) -> None:
        """Means of the buffered numbers into the history (the numbers are already on the host)."""
        if not self.buffer:
            return
        values, n = means(self.buffer), len(self.buffer)
        self.buffer = []
        self.out.record(self.step_count, values, n)

    def _halted(self, why: str, step: int) -> None:
        """The group put this run back to its last good weights (NaN/Inf): pause it and say so."""
        self.buffer, self.running, self.step_count = [], False, step
        self.out.rolled_back(step, why)
        for _, _, done in self.jobs:
            done.set()
        self.jobs.clear()

    def _wants_picture(self, now: float, force: bool = False) -> bool:
        if self.out.visual_step == self.step_count:
            return False
        return force or (now - self.out.t_visual >= VISUAL_EVERY_S and self.out.watched_within(now, WATCHED_S))

    def _metrics_due(self, step: int) -> bool:
        rows = self.out.metrics
        return self.metric_fn is not None and (not rows or step - rows[-1]["step"] >= self.metrics_every)

    def _measure(self, view: RunView) -> dict:
        """This run's live metrics on a copy of its networks (the host calls it without its lock)."""
        try:
            return {"step": view.step, **dict(self.metric_fn(view))}
        except Exception as e:  # diagnostics must never stop training
            return {"step": view.step, "error": f"{type(e).__name__}: {e}"}

    def _draw(self, view: RunView) -> tuple[dict, dict | None]:
        """(visual, metrics or None) for a copy of this run's networks (a run of the solo lane; a
        batched group's runs get their fields together: live/classroom/batched/field.py)."""
        visual = render_visuals(view, self.fixed_z, None)  # numbers only: the browser draws them (ui/live_view)
        return visual, (self._measure(view) if self._metrics_due(view.step) else None)

    def _publish(self, step: int, visual: dict, metrics: dict | None) -> None:
        """What _draw made, into the snapshot (host lock held)."""
        self.out.show(step, visual)
        if metrics is not None:
            self.out.add_metrics(metrics)

    def _failed(self, message: str) -> None:
        """The group's step raised: this run stops and says why (host lock held)."""
        self.running = False
        self.out.set_status("error", message)
        for _, _, done in self.jobs:
            done.set()
        self.jobs.clear()

    # -- commands (serving threads) ----------------------------------------------------------------
    def start(self) -> None:
        with self.host.lock:
            if self.out.status == "error":
                return
            self.running = True
            self.out.set_status("running")  # (a new version: a page's poll must not answer "nothing new")
            self.changes += 1
            self.host.resume(self)
            self.host.wake()

    resume = start

    def pause(self, reason: str = "") -> None:
        with self.host.lock:
            self.running = False
            if self.out.status == "running":
                self.out.set_status("paused", reason or self.out.message)
            self.host.wake()

    def step(self, n: int = 1, mode: str = "both", wait: bool = True, timeout: float = 120.0) -> None:
        if mode not in ("both", "d", "g") or n < 1:
            raise ValueError("step needs n >= 1 and mode in both, d, g")
        done = threading.Event()
        with self.host.lock:
            self.running = False
            self.out.set_status("paused", self.out.message)
            self.changes += 1
            self.jobs.append((int(n), mode, done))
            self.host.resume(self)
            self.host.wake()
        if wait:
            done.wait(timeout)

    def slow_motion(self, timeout: float = SLOW_MOTION_TIMEOUT_S) -> list:
        """One step of this paused run, phase by phase: the class loop computes it in its turn, on a
        copy of the run's networks, and puts the copy in the run's place (ClassHost._slow)."""
        with self.host.lock:
            problem = self._slow_problem()
            if problem:
                raise ValueError(problem)
            if self.slow_job is not None:
                raise ValueError("a slow step of this run is already being computed: wait for it.")
            self.slow_job = job = SlowJob()
            self.host.wake()
        return job.wait(timeout)

    def _slow_problem(self) -> str | None:
        """Why this run cannot take a slow step now (lock held), or None."""
        if self.running or self.jobs:
            return PAUSE_FIRST
        if self.out.status == "error":
            return self.out.message
        return None

    def _slow_done(self, frames: list) -> None:
        """The slow step is in the run's networks: its numbers into the history (lock held)."""
        self._read_back()
        numbers = frames[-1].numbers
        self.buffer.append({k: torch.tensor(numbers[k]) for k in SERIES if k in numbers})
        self.step_count = frames[-1].step
        self.out.set_status("paused", self.out.message)
        self._read_back()

    def steps_pending(self) -> int:
        """Steps of Step jobs not yet taken (the server's handle waits for 0 without holding a call)."""
        with self.host.lock:
            return sum(n for n, _, _ in self.jobs)

    def set_live(self, settings: LiveSettings) -> None:
        """Live settings (Run.set_live); a fix the batched step cannot do moves the run to the class's
        solo lane with its state, and switching it off brings it back into a group (ClassHost.set_live)."""
        with self.host.lock:
            before = (self.host.lrs(self), self.cfg)
            self.host.set_live(self, settings.given())
            if (self.host.lrs(self), self.cfg) != before:  # (the page sends the settings as they are, too)
                self.changes += 1

    def stop(self, timeout: float = 10.0) -> None:
        self.pause()

    def reset(self) -> None:
        with self.host.lock:
            self.changes += 1
            self.host.reset(self)

    def close(self) -> None:
        self.host.remove(self.run_id)

    # -- reading -----------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self.host.lock:
            lr_g, lr_d = self.host.lrs(self)
            return self.out.snapshot(
                step=self.step_count,
                device=describe(torch.device("cpu"), torch.get_num_threads()) + LANE_WORDS[self.host.lane(self)],
                d_output=d_output_kind(self.cfg.loss.objective),
                lr_g=lr_g, lr_d=lr_d, d_steps=self.d_steps, dataset=self.cfg.data.name, is_points=True,
                fixes=fixes_of(self.cfg))

    @property
    def status(self) -> str:
        return self.out.status

    last_status = status

    @property
    def alive(self) -> bool:
        return self.running or bool(self.jobs)

    @property
    def current_step(self) -> int:
        return self.step_count

    def render(self) -> dict:
        with self.host.lock:
            view = self.host.view(self)
        return render_visuals(view, self.fixed_z, None)

    def save_checkpoint(self, path) -> Path:
        with self.host.lock:
            view = self.host.view(self)
        return checkpoint.save(view, path)
