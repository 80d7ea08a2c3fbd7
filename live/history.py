"""A downsampled training history: at most ~2 x max_points rows, evenly spread over the run.

Every sync appends one row (the mean of the last k steps). When the table reaches twice
`max_points` rows, every other row is dropped and the stride doubles, so a 100,000-step run
still plots ~1,000 points per series and old and new parts stay equally dense.
"""

from __future__ import annotations

import math

SERIES = ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")  # a run's per-step numbers, as plotted


class History:
    def __init__(self, series: tuple[str, ...], max_points: int = 1000):
        self.series = series
        self.max_points = max_points
        self.stride = 1  # keep one row in `stride` syncs
        self._count = 0
        self.rows: dict[str, list] = {"step": [], **{k: [] for k in series}}

    def append(self, step: int, values: dict[str, float]) -> None:
        self._count += 1
        if (self._count - 1) % self.stride:
            return
        self.rows["step"].append(step)
        for k in self.series:
            self.rows[k].append(values.get(k, math.nan))
        if len(self.rows["step"]) >= 2 * self.max_points:
            for k in self.rows:
                self.rows[k] = self.rows[k][::2]
            self.stride *= 2

    def truncate(self, step: int) -> None:
        """Forget the rows after `step` (a run that went back to an earlier state goes on from there)."""
        keep = sum(1 for s in self.rows["step"] if s <= step)  # steps only grow: the rows to keep come first
        for k in self.rows:
            del self.rows[k][keep:]

    def __len__(self) -> int:
        return len(self.rows["step"])

    def as_dict(self) -> dict[str, list]:
        return {k: list(v) for k, v in self.rows.items()}
