"""A downsampled training history: at most ~2 x max_points rows, evenly spread over the run.

Every sync appends one row (the mean of the last k steps). When the table reaches twice
`max_points` rows, every other row is dropped and the stride doubles, so a 100,000-step run
still plots ~1,000 points per series and old and new parts stay equally dense.
"""

from __future__ import annotations

import math

SERIES = ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")  # a run's per-step numbers, as plotted


MAX_METRICS = 120  # metric rows a run keeps (~every 250 steps): thinned evenly past it, the newest always kept


def with_metrics(rows: list[dict], row: dict, max_rows: int = MAX_METRICS) -> list[dict]:
    """rows + [row], thinned to about max_rows / 2 rows evenly spread over the run's steps (the first and
    the newest kept) once over max_rows. The rows travel with every snapshot: unbounded, a 45-minute
    class's ~750 rows a run (~200 KB pickled) went with every poll and its latency crept up; the
    diagnostics' timeline and the collapse alert read them whole."""
    rows = rows + [row]
    if len(rows) <= max_rows:
        return rows
    first, width = rows[0]["step"], max((rows[-1]["step"] - rows[0]["step"]) / (max_rows // 2), 1e-9)
    kept, bucket = [], None
    for r in rows[:-1]:  # the first row of each of max_rows / 2 equal stretches of steps
        b = int((r["step"] - first) // width)
        if b != bucket:
            kept.append(r)
            bucket = b
    return kept + [rows[-1]]


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
