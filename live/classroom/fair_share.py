"""How the class process's one loop shares its time: every run of the class gets an equal share.

The loop's work comes in units: one batched step of a group (all its active runs at once), one step
of a run of the solo lane, one slow-motion step of a run. Each unit is charged to an *account*: a
group's account is shared by its active runs, so it is charged seconds / runs; a run's own work (a
solo step, a slow step) is charged to the run's own account in full. An account may take its next
unit only while its charge (its "virtual time") is within QUANTUM_S of the lowest charge among
the accounts that want work now; an account coming back from idle starts at that lowest charge (no
credit for the time it did not want).

So thirty default runs stepped together (a few ms a step, shared thirty ways) and one student's
costly run (say 12 ms a step, all its own) each get one thirtieth-and-one of the loop: the costly
run steps about once every thirty class steps and the class loses about 3% of its rate, however
costly the run is (up to the class's cost ceiling, live/classroom/batched/cost.py). This is start-time fair
queueing (the idea behind Linux's CFS), with the runs as the weights.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

QUANTUM_S = 0.002  # an account within this many seconds of the lowest charge may take a unit this round


class FairShare:
    def __init__(self, quantum_s: float = QUANTUM_S):
        self.quantum_s = quantum_s
        self.charge: dict[Hashable, float] = {}  # account -> seconds charged per run (its virtual time)

    def due(self, wanting: Mapping[Hashable, int]) -> list[Hashable]:
        """Of the accounts that want work now ({account: active runs}), those that may take a unit this
        round, the least charged first."""
        if not wanting:
            return []
        known = [self.charge[a] for a in wanting if a in self.charge]
        floor = min(known) if known else 0.0
        for account in wanting:  # a newcomer, or one back from idle, starts at the floor
            self.charge[account] = max(self.charge.get(account, floor), floor)
        floor = min(self.charge[a] for a in wanting)
        due = [a for a in wanting if self.charge[a] <= floor + self.quantum_s]
        return sorted(due, key=lambda a: self.charge[a])

    def spent(self, account: Hashable, seconds: float, runs: int = 1) -> None:
        """A unit of `account`, shared by `runs` runs, took `seconds`."""
        self.charge[account] = self.charge.get(account, 0.0) + seconds / max(1, runs)

    def forget(self, keep: set) -> None:
        """Drop the accounts not in `keep` (groups that emptied, runs that left)."""
        for account in [a for a in self.charge if a not in keep]:
            del self.charge[account]
