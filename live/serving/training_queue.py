"""A fair queue for the server's training slots: first come, first served, in turns.

Runs that train alone (image presets, and 2D settings the class's batched step cannot take) each
need a core, and a 2-vCPU server has two. Over that, a student joins the queue instead of being
refused; while anyone waits, a run that has had `turn_s` of training is paused for the next in
line (its student presses Start to queue again). So every wait has an end, and an estimate.
"""

from __future__ import annotations

import math
from collections import deque


def wait_estimate_s(position: int, remaining_s: list[float], turn_s: float) -> float:
    """About how long the `position`-th in the queue (1-based) waits: slots free up as the turns of
    the runs holding them end (remaining_s, one per slot), then one turn per round after that."""
    if not remaining_s:
        return 0.0
    order = sorted(max(0.0, r) for r in remaining_s)
    rounds, index = divmod(position - 1, len(order))
    return order[index] + rounds * turn_s


def minutes(seconds: float) -> str:
    return "under a minute" if seconds < 60 else f"about {math.ceil(seconds / 60)} min"


class TrainingQueue:
    """Sessions waiting for a training slot, in the order they asked. Not thread-safe: the registry
    holds its lock around every call."""

    def __init__(self):
        self._waiting: deque[str] = deque()

    def join(self, session: str) -> int:
        """Queue the session (once); -> its position, 1-based."""
        if session not in self._waiting:
            self._waiting.append(session)
        return self.position(session)

    def position(self, session: str) -> int | None:
        try:
            return self._waiting.index(session) + 1
        except ValueError:
            return None

    def leave(self, session: str) -> None:
        try:
            self._waiting.remove(session)
        except ValueError:
            pass

    def rename(self, old: str, new: str) -> None:
        """The session `old` is now called `new` (its browser reloaded the page), in the same place."""
        self._waiting = deque(new if s == old else s for s in self._waiting)

    def head(self) -> str | None:
        return self._waiting[0] if self._waiting else None

    def __len__(self) -> int:
        return len(self._waiting)

    def __contains__(self, session: str) -> bool:
        return session in self._waiting

    def __iter__(self):
        return iter(list(self._waiting))
