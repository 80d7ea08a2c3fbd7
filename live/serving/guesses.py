"""Wrong room codes and teacher keys, counted per client: a token bucket, so codes cannot be brute-forced.

A room code is 4 characters of 31 (923,521 codes): at the 12.8 guesses a second one client managed
over the API, a hit among 20 open rooms took about half an hour. Each client (an address,
`ui.common.client_id`) may make `budget` wrong guesses at once, then one more every `refill_s`;
a client over its budget is refused before its code is even looked at, so a refusal says nothing
about the code. Right guesses cost nothing: a class behind one address joining with the right link
never runs out.

The clock is injected (tests move time instead of sleeping); the number of clients remembered is
bounded, and a client whose bucket has refilled is forgotten first (it is as if it were new).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

GUESS_BUDGET = 20  # wrong guesses a client may make at once (a class mistyping a code now and then)
GUESS_REFILL_S = 3.0  # one more wrong guess every 3 s: brute force falls from 12.8 to 0.33 guesses a second
MAX_CLIENTS = 4096  # buckets remembered (each a few dozen bytes)
TOO_MANY = "too many wrong room codes from this address; wait a minute, then check the code with your teacher."


class GuessBudget:
    def __init__(self, *, budget: int = GUESS_BUDGET, refill_s: float = GUESS_REFILL_S,
                 max_clients: int = MAX_CLIENTS, clock: Callable[[], float] = time.monotonic):
        if budget < 1 or refill_s <= 0 or max_clients < 1:
            raise ValueError("a guess budget needs budget >= 1, refill_s > 0 and max_clients >= 1")
        self.budget, self.refill_s, self.max_clients = budget, refill_s, max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._spent: dict[str, tuple[float, float]] = {}  # client -> (wrong guesses not yet refilled, when)

    def _left_locked(self, client: str, now: float) -> float:
        spent, at = self._spent.get(client, (0.0, now))
        return self.budget - max(0.0, spent - (now - at) / self.refill_s)

    def allowed(self, client: str) -> bool:
        """May the client guess now (it has at least one wrong guess left)? Costs nothing."""
        with self._lock:
            return self._left_locked(client, self._clock()) >= 1.0

    def wrong(self, client: str) -> None:
        """The client guessed wrong: one guess less."""
        with self._lock:
            now = self._clock()
            spent = self.budget - self._left_locked(client, now) + 1.0
            self._spent.pop(client, None)  # (re-inserted last: the dict's order is the order of last use)
            if len(self._spent) >= self.max_clients:
                self._forget_locked(now)
            self._spent[client] = (spent, now)

    def _forget_locked(self, now: float) -> None:
        """Room for one more client: those whose budget has refilled go, else the least recent."""
        for client in [c for c in self._spent if self._left_locked(c, now) >= self.budget]:
            del self._spent[client]
        while len(self._spent) >= self.max_clients:
            del self._spent[next(iter(self._spent))]
