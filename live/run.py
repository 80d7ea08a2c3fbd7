"""The contract between a student's run and the page: what every kind of run answers.

A run alone in the server's process (`live.trainer.Trainer`, a thread), a run in a process of its
own (`live.worker.RemoteTrainer`) and a run in the class's batched step (`live.class_member.
ClassMember`) all answer these; the UI calls nothing else. A run process serves exactly these
names (`RUN_CALLS`, read from this protocol), so the wire and the contract cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from gan_core.config import RunConfig

from .snapshot import Snapshot


@runtime_checkable
class Run(Protocol):
    cfg: RunConfig

    # commands: never block on training; a dead or hung run ignores them, and its snapshot says why
    def start(self) -> None: ...
    def pause(self, reason: str = "") -> None: ...
    def step(self, n: int = 1, mode: str = "both", wait: bool = True, timeout: float = 120.0) -> None: ...
    def set_live(self, lr_g: float | None = None, lr_d: float | None = None, d_steps: int | None = None) -> None: ...
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


def check_live_settings(lr_g: float | None, lr_d: float | None, d_steps: int | None) -> None:
    """The bounds of what Run.set_live accepts (ValueError with a sentence), for every kind of run."""
    if d_steps is not None and not 1 <= int(d_steps) <= 10:
        raise ValueError("D steps per G step must be between 1 and 10")
    for lr in (lr_g, lr_d):
        if lr is not None and not 0 < lr <= 1:
            raise ValueError("learning rates must be in (0, 1]")
