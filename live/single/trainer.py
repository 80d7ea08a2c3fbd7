"""The Trainer: one GAN run on one background thread, and thread-safe snapshots of it.

The training thread is the only writer of the run; everyone else sends commands (start, pause,
step, stop, live changes) and reads `snapshot()`, a copy taken under a lock. Per-step numbers
stay on the device and are read back once every `log_every` steps (one sync), so the hot loop
never waits for the host, and never for the UI.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from pathlib import Path

import torch

from gan_core import checkpoint
from gan_core.config import RunConfig
from gan_core.device import describe, threads_for, use_cpu_threads
from gan_core.gan import GAN, build_gan
from gan_core.losses import d_output_kind
from gan_core.pictures.viz import render_visuals
from gan_core.slow_motion import slow_motion_step
from gan_core.train import train_step
from live.run import PAUSE_FIRST, LiveSettings
from live.single.history import SERIES
from live.single.live_fixes import FIXES, apply_live, fixes_of, restarted, with_fixes
from live.single.readout import Readout, means, went_bad
from live.single.rollback import LastGood
from live.snapshot import Snapshot

GOOD_EVERY = 50  # steps between copies of the last good state (a copy costs ~1% of the steps it covers at 10)
WATCHED_S = 3.0  # a run whose snapshot nobody has read for this long has no viewer: skip its pictures
SLOW_MOTION = "slow-motion"  # a job's mode: one step played phase by phase (its Event carries the frames back)
SLOW_MOTION_TIMEOUT_S = 60.0


class Trainer:
    """Owns a GAN and the thread that trains it. All public methods are thread-safe."""

    def __init__(self, cfg: RunConfig, device=None, data=None, *, visual_every_s: float = 0.5,
                 metric_fn=None, metrics_every: int = 250):
        self.cfg = cfg
        self.gan: GAN = build_gan(cfg, device, data)
        self.metric_fn = metric_fn  # optional: gan -> dict of cheap diagnostics, every metrics_every steps
        self.metrics_every = metrics_every
        self.visual_every_s = visual_every_s
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._jobs: deque = deque()  # (n_steps, mode, threading.Event)
        self._live: dict = {}
        self._running = self._stopping = False
        # the training thread's intra-op threads (CPU): the policy's count, set for real when the thread starts
        self._threads = threads_for(cfg.model.arch) if self.gan.device.type == "cpu" else None
        self._init_run_state()

    # -- state that a reset clears -------------------------------------------------------------
    def _init_run_state(self) -> None:
        g = torch.Generator(self.gan.device).manual_seed(self.cfg.train.seed + 1)  # fixed noise: its own stream
        n = 512 if self.gan.data.is_points else (80 if self.gan.num_classes else 64)
        self.fixed_z = self.gan.sample_z(n, generator=g)
        self.fixed_y = ((torch.arange(n, device=self.gan.device) % self.gan.num_classes)
                        if self.gan.num_classes else None)
        self.out = Readout(self.cfg.loss.objective, self.cfg.model.arch)  # what the page sees: single/readout.py
        self._buffer: list[dict] = []
        self._last_good = LastGood.of(self.gan)

    # -- commands --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start or resume continuous training."""
        with self._cond:
            if self.out.status == "error":
                return
            self._running = True
            self.out.set_status("running")  # (a new version: a page's poll must not answer "nothing new")
            self._ensure_thread()
            self._cond.notify_all()

    resume = start

    def pause(self, reason: str = "") -> None:
        """Pause continuous training; `reason` (if any) is the message the page shows."""
        with self._cond:
            self._running = False
            if self.out.status == "running":
                self.out.set_status("paused", reason or self.out.message)
            self._cond.notify_all()

    def step(self, n: int = 1, mode: str = "both", wait: bool = True, timeout: float = 120.0) -> None:
        """Pause, then train exactly n steps of D only ("d"), G only ("g") or both."""
        if mode not in ("both", "d", "g") or n < 1:
            raise ValueError("step needs n >= 1 and mode in both, d, g")
        done = threading.Event()
        with self._cond:
            self._running = False
            self.out.set_status("paused", self.out.message)
            self._jobs.append((int(n), mode, done))
            self._ensure_thread()
            self._cond.notify_all()
        if wait:
            done.wait(timeout)

    def slow_motion(self) -> list:
        """One step of the paused run, played phase by phase (gan_core.slow_motion): its ten Frames.
        The training thread takes it as a job, as it takes a Step (it stays the only writer)."""
        done = threading.Event()
        with self._cond:
            if self._running or self.out.status == "running":
                raise ValueError(PAUSE_FIRST)
            if self.out.status == "error":
                raise ValueError(self.out.message)
            self.out.set_status("paused", self.out.message)
            self._jobs.append((1, SLOW_MOTION, done))
            self._ensure_thread()
            self._cond.notify_all()
        done.wait(SLOW_MOTION_TIMEOUT_S)
        return getattr(done, "frames", [])

    def set_live(self, settings: LiveSettings) -> None:
        """Change learning rates, D steps per G step or the collapse fixes (live/single/live_fixes.py) while
        running: applied between chunks, on the same networks, optimisers, step and history. A fix
        that cannot apply to this run is refused here (ValueError), before anything changed."""
        with self._cond:
            pending = {**self._live, **settings.given()}
            with_fixes(self.gan.cfg, self.gan.step, **{k: pending[k] for k in FIXES if k in pending})  # refuses now
            self._live = pending
            if not self._running:
                self._apply_live_locked()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and wait for it. The run's state stays readable."""
        with self._cond:
            self._stopping, self._running = True, False
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with self._cond:
            if thread is None or not thread.is_alive():  # never forget a live thread: a 2nd would race it
                self._stopping, self._thread = False, None
            if self.out.status in ("running", "paused", "idle"):
                self.out.set_status("stopped" if self.gan.step else "idle", self.out.message)

    def reset(self) -> None:
        """Stop and rebuild the run from its config and seed (same data), with the live fixes as they
        are now (learning rates and D steps go back to the config's)."""
        self.stop()
        with self._cond:
            cfg = restarted(with_fixes(self.cfg, 0, **fixes_of(self.gan.cfg)))
            self.gan = build_gan(cfg, self.gan.device, self.gan.data)
            self._init_run_state()

    close = stop  # (a RemoteTrainer's close also ends its process)

    @property
    def alive(self) -> bool:
        t = self._thread
        return t is not None and t.is_alive()

    @property
    def status(self) -> str:
        return self.out.status

    last_status = status  # (a RemoteTrainer's last known status, without asking its process)

    @property
    def current_step(self) -> int:
        """The step trained so far (unlike snapshot(), reading it does not count as watching)."""
        return self.gan.step

    # -- the thread --------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        self._stopping = False  # a start or step cancels a stop that timed out on a slow step
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="gan-trainer", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        try:
            if self.gan.device.type == "cpu":  # this thread only: other runs and the server keep theirs
                self._threads = use_cpu_threads(self.cfg.model.arch)
            while True:
                if self.out.visual_step != self.gan.step:  # (only this thread trains, so step is stable here)
                    with self._cond:
                        idle = not (self._running or self._jobs)
                    if idle:  # paused or stopping: show the step it stopped at, watched or not
                        self._publish_visuals(force=True)
                with self._cond:
                    while not (self._stopping or self._running or self._jobs):
                        self._cond.wait(timeout=1.0)
                    if self._stopping:
                        return
                    job = self._jobs.popleft() if self._jobs else None
                    self._apply_live_locked()
                if job is not None:
                    n, mode, done = job
                    try:
                        if mode == SLOW_MOTION:
                            done.frames = self._slow_motion()
                        else:
                            self._train(n, mode)
                        self._sync()
                        self._publish_visuals(force=True)
                    finally:
                        done.set()
                else:
                    self._train(self.cfg.train.log_every, "both", continuous=True)
        except Exception as e:  # a crash must never take the app down: record it, keep the last state
            with self._cond:
                self._running = False
                self.out.set_status("error", f"training stopped: {type(e).__name__}: {e}")
        finally:
            with self._cond:
                for _, _, done in self._jobs:
                    done.set()
                self._jobs.clear()

    def _apply_live_locked(self) -> None:
        live, self._live = self._live, {}
        try:
            apply_live(self.gan, live)  # (checked in set_live: this raises only if the run changed since)
        except ValueError as e:
            self.out.message = f"not applied: {e}"
            self.out.changed()

    def _train(self, n: int, mode: str, continuous: bool = False) -> None:
        k = self.cfg.train.log_every
        for i in range(n):
            # honour stop at every step (a long Step job too), and pause when running continuously
            if self._stopping or (continuous and not self._running):
                self._sync()
                return
            # gradient norms only on the step that ends a read-back (or the job): the plot shows that
            # step's norm, the others skip the cost
            norms = i == n - 1 or len(self._buffer) == k - 1
            self._buffer.append(train_step(self.gan, mode, norms=norms))
            if len(self._buffer) >= k:
                if not self._sync():
                    return
                self._publish_visuals()
                if self.metric_fn is not None and self.gan.step % self.metrics_every < self.cfg.train.log_every:
                    self._record_metrics()

    def _slow_motion(self) -> list:
        """The slow step itself (training thread): its numbers go into the history like a Step's."""
        frames = slow_motion_step(self.gan)
        numbers = frames[-1].numbers
        self._buffer.append({k: torch.tensor(numbers[k]) for k in SERIES if k in numbers})
        return frames

    def _sync(self) -> bool:
        """Read the buffered per-step numbers back (one sync) into the readout; False if they went
        NaN/Inf (the run goes back to its last good copy and pauses)."""
        if not self._buffer:
            return True
        values, n = means(self._buffer), len(self._buffer)
        self._buffer = []
        if not all(math.isfinite(v) for v in values.values()):
            bad_step = self.gan.step
            self._last_good.restore(self.gan)
            bad = ", ".join(k for k, v in values.items() if not math.isfinite(v))
            with self._cond:
                self._running = False
                self.out.rolled_back(self.gan.step, went_bad(bad, bad_step, self.gan.step))
            return False
        if self.gan.step - self._last_good.step >= GOOD_EVERY:
            self._last_good.save(self.gan)
        with self._cond:
            self.out.record(self.gan.step, values, n)
        return True

    def _record_metrics(self) -> None:
        try:
            m = dict(self.metric_fn(self.gan))
        except Exception as e:  # diagnostics must never stop training
            m = {"error": f"{type(e).__name__}: {e}"}
        with self._cond:
            self.out.add_metrics({"step": self.gan.step, **m})

    def _publish_visuals(self, force: bool = False) -> None:
        """Draw the sample grid or the 2D field every `visual_every_s` while someone reads the
        snapshots (a browser polls about once a second); a run nobody watches draws nothing
        until it pauses or a Step job ends (force). Drawing costs ~1-2% of the steps it skips."""
        now = time.perf_counter()
        if not force and (now - self.out.t_visual < self.visual_every_s or not self.out.watched_within(now, WATCHED_S)):
            return
        visual = render_visuals(self.gan, self.fixed_z, self.fixed_y)
        with self._cond:
            self.out.show(self.gan.step, visual)

    # -- reading ---------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """A consistent copy of the run's state for the UI (cheap: lists and small arrays).
        `visual_step` is the step that `samples` / `field` show (they are drawn every
        `visual_every_s`, so they lag `step` by up to that long)."""
        with self._cond:
            return self.out.snapshot(
                step=self.gan.step, device=describe(self.gan.device, self._threads),
                d_output=d_output_kind(self.cfg.loss.objective),
                lr_g=self.gan.opt_g.param_groups[0]["lr"], lr_d=self.gan.opt_d.param_groups[0]["lr"],
                d_steps=self.gan.d_steps, dataset=self.cfg.data.name, is_points=self.gan.data.is_points,
                fixes=fixes_of(self.gan.cfg))

    @property
    def last_snapshot(self) -> Snapshot:
        """A run in this process has no older copy to give: a fresh (cheap) snapshot."""
        return self.snapshot()

    def render(self) -> dict:
        """The picture's data now ({"samples", "field"}, as snapshot() has them), drawn by the caller's
        thread: for a run that is not training (a new run's step 0)."""
        return render_visuals(self.gan, self.fixed_z, self.fixed_y)

    def save_checkpoint(self, path) -> Path:
        """The run's networks as a checkpoint file (checkpoint.save): how a copy of them leaves a
        run process. Taken while training goes on, like a copy of the networks would be."""
        return checkpoint.save(self.gan, path)

    def __del__(self):  # best effort: never leave a thread behind
        try:
            self._stopping = True
        except Exception:
            pass
