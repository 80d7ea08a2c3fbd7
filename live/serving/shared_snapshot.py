"""One run watched by many tabs (the class run of a room): at most one snapshot call per `max_age_s`.

A run in a process of its own answers `snapshot()` over IPC. Thirty students watching the class
run, each polling every second, would make thirty calls a second; here the first poll past
`max_age_s` fetches a new snapshot and every other poll reads the run's last one (`last_snapshot`,
no IPC). A fetch already under way is never waited for: the others read the last one meanwhile.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Callable

MAX_AGE_S = 0.8  # a watcher polling every second sees a snapshot at most this old (plus its own lag)


class SharedSnapshots:
    def __init__(self, max_age_s: float = MAX_AGE_S, clock: Callable[[], float] = time.monotonic):
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._fetched: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> when last fetched
        self._fetching: weakref.WeakSet = weakref.WeakSet()
        self.fetches = 0  # snapshot calls made (what a test or the bench counts)

    def get(self, run) -> dict:
        """The run's snapshot, fetched only if the last fetch is older than max_age_s and nobody is fetching."""
        now = self._clock()
        with self._lock:
            due = run not in self._fetching and now - self._fetched.get(run, -float("inf")) >= self.max_age_s
            if due:
                self._fetching.add(run)
        if not due:
            return run.last_snapshot
        try:
            self.fetches += 1
            return run.snapshot()  # (a RemoteTrainer keeps it as its last_snapshot)
        finally:
            with self._lock:
                self._fetched[run] = now
                self._fetching.discard(run)
