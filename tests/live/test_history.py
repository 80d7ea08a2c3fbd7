"""History.truncate: a run that goes back to an earlier state forgets the rows after it."""

import math

from live.history import History


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
