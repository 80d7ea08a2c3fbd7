"""Per-browser-session runs: one Trainer per session, a cap on concurrent training, an idle reaper.

A classroom is 30 students on one server. Each browser tab (Gradio's session hash) owns at most
one run. At most `max_running` runs train at the same time (default: the CPU core count, or
$GAN_CLASSROOM_MAX_RUNS); a student over the cap gets a `CapacityError` with a message, never a
hang. Runs end when their tab closes (`close`) and, since tab-close events are not guaranteed,
when nobody has looked at them for `idle_timeout_s` (the reaper thread).
"""

from __future__ import annotations

import os
import threading
import time

from .config import RunConfig
from .trainer import Trainer


class CapacityError(RuntimeError):
    """Too many runs are training at once on this server."""


def default_max_running() -> int:
    env = os.environ.get("GAN_CLASSROOM_MAX_RUNS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class SessionRegistry:
    def __init__(self, max_running: int | None = None, idle_timeout_s: float = 900.0, reap_every_s: float = 30.0,
                 trainer_factory=Trainer):
        self.max_running = max_running or default_max_running()
        self.idle_timeout_s = idle_timeout_s
        self._factory = trainer_factory
        self._lock = threading.Lock()
        self._runs: dict[str, Trainer] = {}
        self._seen: dict[str, float] = {}
        self._closed = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, args=(reap_every_s,), name="gan-reaper", daemon=True)
        self._reaper.start()

    # -- lookup --------------------------------------------------------------------------------
    def get(self, session: str) -> Trainer | None:
        """The session's run (and mark the session as active), or None."""
        with self._lock:
            run = self._runs.get(session)
            if run is not None:
                self._seen[session] = time.monotonic()
            return run

    def running_count(self) -> int:
        with self._lock:
            return sum(1 for r in self._runs.values() if r.status == "running")

    # -- lifecycle -----------------------------------------------------------------------------
    def create(self, session: str, cfg: RunConfig, **trainer_kwargs) -> Trainer:
        """Replace the session's run with a fresh one for `cfg` (not started). May raise
        ConfigError / DatasetError from building it; the old run is stopped first."""
        self.close(session)
        run = self._factory(cfg, **trainer_kwargs)
        with self._lock:
            self._runs[session] = run
            self._seen[session] = time.monotonic()
        return run

    def start(self, session: str) -> Trainer:
        """Start (or resume) the session's run, respecting the cap on concurrent training."""
        with self._lock:
            run = self._runs.get(session)
            if run is None:
                raise KeyError("no run for this session")
            busy = sum(1 for s, r in self._runs.items() if s != session and r.status == "running")
            if run.status != "running" and busy >= self.max_running:
                raise CapacityError(f"{busy} runs are already training on this server (the limit is "
                                    f"{self.max_running}). Wait for one to pause, or use Step to train a few steps.")
            self._seen[session] = time.monotonic()
            run.start()  # under the lock: two simultaneous Starts cannot both pass the cap
        return run

    def close(self, session: str) -> None:
        """Stop and forget the session's run (tab closed, or replaced)."""
        with self._lock:
            run = self._runs.pop(session, None)
            self._seen.pop(session, None)
        if run is not None:
            run.close()  # a thread run stops; a process run also ends its process

    def reap_idle(self, now: float | None = None) -> list[str]:
        """Close runs whose session has not been seen for idle_timeout_s. Returns the sessions closed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [s for s, t in self._seen.items() if now - t > self.idle_timeout_s]
        for s in idle:
            self.close(s)
        return idle

    def shutdown(self) -> None:
        self._closed.set()
        for s in list(self._runs):
            self.close(s)

    def _reap_loop(self, every: float) -> None:
        while not self._closed.wait(every):
            try:
                self.reap_idle()
            except Exception:  # the reaper must outlive any one bad run
                pass

    def __len__(self) -> int:
        with self._lock:
            return len(self._runs)
