"""History.truncate: a run that goes back to an earlier state forgets the rows after it."""

import math

from live.single.history import History


def test_truncate_keeps_the_rows_up_to_the_step_and_appending_goes_on():
    h = History(("d_loss",), max_points=4)
    for step in range(10, 110, 10):  # 10 rows -> downsampled once (stride 2)
        h.append(step, {"d_loss": step / 10})
    before = h.as_dict()
    assert h.stride == 2 and before["step"][-1] > 50
    h.truncate(50)
    rows = h.as_dict()
    assert rows["step"] == [s for s in before["step"] if s <= 50]
    assert rows["d_loss"] == [v for s, v in zip(before["step"], before["d_loss"]) if s <= 50]
    h.truncate(1_000)  # nothing after: nothing changes
    assert h.as_dict() == rows
    h.append(60, {})
    assert len(h) in (len(rows["step"]), len(rows["step"]) + 1)  # (the stride may skip it) and never out of order
    assert h.as_dict()["step"] == sorted(h.as_dict()["step"])
    assert all(math.isnan(v) or v <= 5 for v in h.as_dict()["d_loss"])


def test_metric_rows_are_bounded_evenly_and_keep_the_newest():
    from live.single.history import with_metrics

    rows = []
    for step in range(0, 250 * 1000, 250):  # a long class: 1,000 measurements
        rows = with_metrics(rows, {"step": step}, max_rows=120)
        assert len(rows) <= 120 and rows[-1]["step"] == step  # bounded, the newest always there
    steps = [r["step"] for r in rows]
    assert steps == sorted(steps) and steps[0] == 0 and len(steps) >= 50  # the run's start still in view
    even = (steps[-1] - steps[0]) / (len(steps) - 1)
    assert max(b - a for a, b in zip(steps, steps[1:])) <= 3 * even  # evenly spread, no hole in the timeline
