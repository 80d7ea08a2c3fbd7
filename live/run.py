"""The contract between a student's run and the page: what every kind of run answers.

A run alone in the server's process (`live.single.trainer.Trainer`, a thread), a run in a process of its
own (`live.single.remote.RemoteTrainer`) and a run in the class's batched step (`live.classroom.member.
ClassMember`) all answer these; the UI calls nothing else. A run process serves exactly these
names (`RUN_CALLS`, read from this protocol), so the wire and the contract cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol, runtime_checkable

from gan_core.config import RunConfig
from live.snapshot import Snapshot


@runtime_checkable
class Run(Protocol):
    cfg: RunConfig

    # commands: never block on training; a dead or hung run ignores them, and its snapshot says why
    def start(self) -> None: ...
    def pause(self, reason: str = "") -> None: ...
    def step(self, n: int = 1, mode: str = "both", wait: bool = True, timeout: float = 120.0) -> None: ...
    # live settings (LiveSettings below): applied between steps, with the run's state kept; ValueError (a
    # sentence) if this run cannot take them
    def set_live(self, settings: LiveSettings) -> None: ...
    def stop(self, timeout: float = 10.0) -> None: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    # one step played phase by phase (gan_core.slow_motion): ten Frames, the step count one higher and
    # the history one row longer; ValueError (PAUSE_FIRST) while the run trains; [] if it did not answer
    def slow_motion(self) -> list: ...

    # reading: a consistent copy of what the page shows (live.snapshot.Snapshot)
    def snapshot(self) -> Snapshot: ...
    def render(self) -> dict: ...
    def save_checkpoint(self, path) -> Path: ...

    @property
    def status(self) -> str: ...
    @property
    def last_status(self) -> str: ...
    @property
    def alive(self) -> bool: ...
    @property
    def current_step(self) -> int: ...


# what a run process answers: the protocol's members, minus what only the server's handle does
RUN_CALLS = frozenset(name for name in dir(Run) if not name.startswith("_") and name not in ("cfg", "close"))


PAUSE_FIRST = "Pause the run first: slow motion plays one step of a paused run, phase by phase."


# the live bounds: the Train tab's widgets (ui/train/bounds.py); an unrolled step costs 1 + k D updates
LIVE_BOUNDS = {"r1_gamma": (0.0, 10.0), "instance_noise": (0.0, 1.0), "unrolled_steps": (0, 10)}


@dataclass(frozen=True)
class LiveSettings:
    """What a running run may change (Run.set_live): learning rates, D steps per G step, and the collapse
    fixes the step reads from the config (live/single/live_fixes.py). None: unchanged. Checked when made, for every
    kind of run (ValueError with a sentence; the values are taken as sent, so text for a number is refused):
    whether a fix can apply to this run at all is live.single.live_fixes.with_fixes's to say."""

    lr_g: float | None = None
    lr_d: float | None = None
    d_steps: int | None = None  # D updates per G update, 1-10
    r1_gamma: float | None = None  # R1 penalty gamma, LIVE_BOUNDS
    instance_noise: float | None = None  # instance noise's std at the switch, annealed from there
    unrolled_steps: int | None = None  # unrolled D: k look-ahead D updates, 0 = off
    feature_matching: bool | None = None

    def __post_init__(self):
        if self.d_steps is not None and not 1 <= int(self.d_steps) <= 10:
            raise ValueError("D steps per G step must be between 1 and 10")
        for lr in (self.lr_g, self.lr_d):
            if lr is not None and not 0 < lr <= 1:
                raise ValueError("learning rates must be in (0, 1]")
        words = {"r1_gamma": "R1's gamma", "instance_noise": "the instance noise's std",
                 "unrolled_steps": "unrolled D steps"}
        for key, (low, high) in LIVE_BOUNDS.items():
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"{words[key]} must be a number between {low:g} and {high:g}; got {str(value)[:20]}")
            if key == "unrolled_steps" and int(value) != value:
                raise ValueError(f"unrolled D steps must be a whole number; got {value}")
        if self.feature_matching is not None and not isinstance(self.feature_matching, bool):
            raise ValueError(f"feature matching is on or off (true or false); got {str(self.feature_matching)[:20]}")

    def given(self) -> dict:
        """{live key: value} of the settings given (not None), as live.single.live_fixes reads them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
