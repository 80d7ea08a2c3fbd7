"""A run being built in its run process: the build (the dataset read and decoded, the networks made)
runs on a thread of its own, so the process answers the server from its first moment.

Why. Building a run can take minutes (a zip of thousands of large images to decode, a dataset to
download). When the server waited for it, each such Start held one of the web server's Start
workers for the whole build, and eight of them held them all. Now `init` waits at most
ANSWER_WITHIN_S: a quick build (2D points: milliseconds) or a quick failure (no images in the
folder) answers as before, and a slow one answers "building", goes on here, and the page's poll
shows it:

    init ──> build thread: make(cfg, device, **kwargs) ──> the Trainer (or the error's sentence)
    snapshot while building: status "building", a plain message, a version of its own
    start / pause / set_live while building: remembered, applied the moment the run exists
    step / slow motion / render / checkpoint while building: wait up to WAIT_FOR_BUILD_S, then
    StillBuilding (a sentence)

A build that fails keeps its sentence: every snapshot then says "error" with it (the server's handle
ends the process when it sees that: live.single.remote).
"""

from __future__ import annotations

import threading
import time

from gan_core.config import DOWNLOAD_DATASETS
from gan_core.errors import ClassroomError, StillBuilding, WorkerError
from gan_core.losses import d_output_kind
from live.run import LiveSettings
from live.single.history import SERIES, History
from live.single.live_fixes import FIXES, fixes_of, with_fixes
from live.snapshot import Snapshot

BUILDING = "building"  # a run's status while it is built
ANSWER_WITHIN_S = 1.0  # init waits this long for the build: a quick build (or failure) answers as it always did
WAIT_FOR_BUILD_S = 2.0  # a call that needs the built run waits this long for it, then says STILL_BUILDING
# Snapshot versions of a run not built yet: far below both a Trainer's (0 and up) and the server's marks
# of a run that does not answer (-1, -2, ...), so the page redraws when each kind follows another
BUILDING_VERSIONS = -1_000_000  # minus 2 x seconds building (+1 with a Start waiting)
BUILD_FAILED_VERSION = -999_999  # the one snapshot of a build that failed
STILL_BUILDING = ("Your run is still being built (its data is being read), so this cannot be done yet. Press "
                  "Start: it trains by itself as soon as it is ready.")


def failure_sentence(error: BaseException) -> str:
    """What the page says of a build that failed: the error's own sentence (as a Start that failed at
    once shows it), or its type and text for what nobody raised on purpose (out of memory, say)."""
    if isinstance(error, (ClassroomError, ValueError)):
        return str(error)
    return f"this run could not be built ({type(error).__name__}: {error}). Press Start or Reset for a new run."


def doing(cfg) -> str:
    """What a build of `cfg` spends its time on, in words."""
    if cfg.data.name == "folder":
        return "reading and decoding your images (a large set can take a few minutes)"
    if cfg.data.name in DOWNLOAD_DATASETS:
        return f"downloading {cfg.data.name} (the first time, this can take a few minutes)"
    return "loading its data and making its networks"


class RunBuild:
    """A run process's run: building, built (calls go to its Trainer) or failed (its sentence)."""

    def __init__(self, make, cfg, *args, **kwargs):
        self.cfg = cfg
        self._lock = threading.Lock()  # guards the four fields below and their hand-over
        self._trainer = None
        self._failure: str | None = None
        self._error: BaseException | None = None
        self._start_waiting = False  # Start was pressed while building: start when built
        self._paused_because = ""  # why a waiting Start was taken back by the server (a Pause: no reason)
        self._live: dict = {}  # live settings given while building: applied when built
        self._built = threading.Event()  # set when the build ended, either way
        self._began = time.monotonic()
        threading.Thread(target=self._build, args=(make, cfg, args, kwargs), name="run-build", daemon=True).start()

    def _build(self, make, cfg, args, kwargs) -> None:
        trainer = failure = error = None
        try:
            trainer = make(cfg, *args, **kwargs)
        except BaseException as e:  # (a thread's exception would only be printed: it becomes the run's sentence)
            failure, error = failure_sentence(e), e
        with self._lock:  # what was pressed meanwhile happens now, before any later call reaches the Trainer
            self._trainer, self._failure, self._error = trainer, failure, error
            if trainer is not None:
                if self._live:
                    try:
                        trainer.set_live(LiveSettings(**self._live))
                    except ValueError:  # (checked when given: only a fix this run cannot take; it trains without it)
                        pass
                if self._start_waiting:
                    trainer.start()
            self._built.set()

    def wait(self, timeout_s: float) -> str:
        """init's answer: wait up to timeout_s for the build; its error itself if it failed by then (a
        ConfigError, a DatasetError: the server raises it as a build in its own process did), else the
        status ("idle", or BUILDING: the snapshots say how it goes)."""
        self._built.wait(timeout_s)
        with self._lock:
            if self._error is not None:
                raise self._error
            return BUILDING if self._trainer is None else self._trainer.status

    def answer(self, name: str, args: tuple, kwargs: dict):
        """A Run call (live.run.RUN_CALLS) on this run, whatever stage it is at."""
        with self._lock:
            trainer, failure = self._trainer, self._failure
            if trainer is None and failure is None:
                answered, value = self._while_building(name, args, kwargs)
                if answered:
                    return value
        if trainer is None and failure is None:  # a call that needs the run itself: wait a little for it
            self._built.wait(WAIT_FOR_BUILD_S)
            with self._lock:
                trainer, failure = self._trainer, self._failure
            if trainer is None and failure is None:
                raise StillBuilding(STILL_BUILDING)
        if failure is not None:
            return self._after_failure(name, failure)
        value = getattr(trainer, name)
        return value(*args, **kwargs) if callable(value) else value

    def _while_building(self, name: str, args: tuple, kwargs: dict) -> tuple[bool, object]:
        """(True, the answer) for what a run being built can answer (under the lock); (False, None)
        for what needs the run itself."""
        if name == "snapshot":
            return True, self._building_snapshot()
        if name in ("status", "last_status"):
            return True, BUILDING
        if name == "alive":
            return True, False
        if name == "current_step":
            return True, 0
        if name in ("start", "resume"):
            self._start_waiting, self._paused_because = True, ""
            return True, None
        if name in ("pause", "stop"):
            self._start_waiting = False
            if name == "pause":  # (the registry's reason: a turn over, nobody watching) shown while it builds
                self._paused_because = (args or (kwargs.get("reason", ""),))[0]
            return True, None
        if name == "reset":  # a new build would be the same build
            return True, None
        if name == "set_live":
            given = args[0].given()  # (a LiveSettings: checked when it was made, as for a built run)
            with_fixes(self.cfg, 0, **{k: v for k, v in given.items() if k in FIXES})
            self._live.update(given)
            return True, None
        return False, None

    def _building_snapshot(self) -> Snapshot:
        seconds = int(time.monotonic() - self._began)  # (the message counts them: a new version each second)
        then = ("It starts training by itself as soon as it is ready." if self._start_waiting else
                self._paused_because or "Press Start: it trains by itself as soon as it is ready.")
        return self._snapshot(BUILDING, f"Building your run: {doing(self.cfg)}, {seconds} s so far. {then}",
                              BUILDING_VERSIONS - (2 * seconds + self._start_waiting))

    def _snapshot(self, status: str, message: str, version: int) -> Snapshot:
        """What the page shows of a run that does not exist (yet): step 0, no pictures, its settings."""
        cfg = self.cfg
        return Snapshot(status=status, message=message, version=version, history=History(SERIES).as_dict(),
                        dataset=cfg.data.name, is_points=cfg.data.is_points, d_output=d_output_kind(cfg.loss.objective),
                        lr_g=cfg.train.lr_g, lr_d=cfg.train.lr_d, d_steps=cfg.train.d_steps, fixes=fixes_of(cfg))

    def _after_failure(self, name: str, failure: str):
        if name == "snapshot":
            return self._snapshot("error", failure, BUILD_FAILED_VERSION)
        if name in ("status", "last_status"):
            return "error"
        if name == "alive":
            return False
        if name == "current_step":
            return 0
        if name in ("start", "resume", "pause", "stop", "reset", "set_live"):
            return None  # nothing to command: the snapshot says why
        raise WorkerError(failure)

    def stop(self) -> None:
        """The process is closing: a run being built is not started afterwards."""
        with self._lock:
            self._start_waiting = False
            trainer = self._trainer
        if trainer is not None:
            trainer.stop()
