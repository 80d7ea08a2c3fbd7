"""live/snapshot.py's since / merged: a class member's poll carries only the rows its reader lacks, and
the reader gets back exactly the snapshot the run has, whatever happened to the run's history between."""

from __future__ import annotations

import math
import pickle

import pytest

from live.single.history import SERIES, History, with_metrics
from live.snapshot import Snapshot, held, merged, since


def _snap(history: History, metrics: list[dict], version: int = 1) -> Snapshot:
    return Snapshot(step=history.rows["step"][-1] if history.rows["step"] else 0, version=version,
                    history=history.as_dict(), metrics=list(metrics))


def _grow(history: History, metrics: list[dict], start: int, n: int) -> list[dict]:
    for step in range(start, start + n):
        history.append(step * 10, {k: math.sin(step * (i + 1)) for i, k in enumerate(SERIES)})
        if step % 25 == 0:
            metrics = with_metrics(metrics, {"step": step * 10, "modes_covered": step % 9})
    return metrics


def _same(a: Snapshot, b: Snapshot) -> None:
    assert a.history == b.history and a.metrics == b.metrics and (a.history_from, a.metrics_from) == (0, 0)


def test_a_reader_holding_a_prefix_gets_only_the_new_rows_and_rebuilds_the_whole():
    h = History(SERIES)
    metrics = _grow(h, [], 0, 300)
    before = _snap(h, metrics)
    metrics = _grow(h, metrics, 300, 7)
    now = _snap(h, metrics, version=2)
    part = since(now, *held(before))
    assert part.history_from == 300 and len(part.history["step"]) == 7
    assert part.metrics_from == len(before.metrics) and len(part.metrics) == len(now.metrics) - len(before.metrics)
    _same(merged(part, before), now)


def test_a_thinned_history_is_sent_whole():
    h = History(SERIES, max_points=100)
    metrics = _grow(h, [], 0, 199)
    before = _snap(h, metrics)
    metrics = _grow(h, metrics, 199, 1)  # the 200th row halves the table
    now = _snap(h, metrics, version=2)
    assert len(now.history["step"]) < len(before.history["step"])
    part = since(now, *held(before))
    assert part.history_from == 0
    _same(merged(part, before), now)


def test_a_history_cut_back_and_trained_again_to_the_same_length_is_sent_whole():
    h = History(SERIES)
    _grow(h, [], 0, 50)
    before = _snap(h, [])
    h.truncate(400)  # (a NaN: back to the last good step, 40 rows kept)
    for step in range(41, 50):  # trained again over the same steps, to other values
        h.append(step * 10, {k: 2.0 + step for k in SERIES})
    now = _snap(h, [], version=2)
    assert now.history["step"] == before.history["step"]
    part = since(now, *held(before))
    assert part.history_from == 0
    _same(merged(part, before), now)


def test_metrics_thinned_past_their_bound_are_sent_whole():
    h = History(SERIES)
    metrics = [{"step": s} for s in range(120)]
    before = _snap(h, metrics)
    now = _snap(h, with_metrics(metrics, {"step": 120}))
    part = since(now, *held(before))
    assert part.metrics_from == 0
    _same(merged(part, before), now)


def test_nothing_held_means_everything_sent_and_a_nan_row_is_never_taken_as_held():
    h = History(SERIES)
    _grow(h, [], 0, 5)
    h.append(60, {k: math.nan for k in SERIES})
    snap = _snap(h, [])
    assert since(snap, *held(None)) is snap
    over_the_wire = pickle.loads(pickle.dumps(held(snap)))  # (a copy's NaN is another object: never equal)
    assert since(snap, *over_the_wire).history_from == 0


@pytest.mark.parametrize("bad", [(10**9, None, 0, None), (-3, None, -1, None), ("7", (1,), 2.5, {"x": 1})])
def test_what_a_reader_claims_is_checked_not_trusted(bad):
    h = History(SERIES)
    _grow(h, [], 0, 20)
    snap = _snap(h, [{"step": 0}])
    assert since(snap, *bad) is snap


def test_a_partial_snapshot_without_its_base_is_refused():
    h = History(SERIES)
    _grow(h, [], 0, 20)
    before = _snap(h, [])
    _grow(h, [], 20, 2)
    with pytest.raises(ValueError):
        merged(since(_snap(h, []), *held(before)), None)
