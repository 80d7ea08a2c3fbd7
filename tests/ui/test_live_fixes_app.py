"""The live fixes over the app's own API (`/set_live_fixes`, what the page's fix controls send), as a
hand-written client would post them: good values change the tab's run and say so; NaN, out-of-range
and wrongly typed values are refused with a sentence, and the run goes on as it was."""

from __future__ import annotations

import pytest

from conftest import status_of

pytestmark = pytest.mark.slow

OFF = {"r1_gamma": 0.0, "instance_noise": 0.0, "unrolled_steps": 0, "feature_matching": False}


def test_set_live_fixes_applies_good_values_and_refuses_bad_ones(capped_app, post_event, train_inputs):
    demo, url = capped_app
    session = "live-fixes-api"
    post_event(url, "reset", train_inputs(), session)  # this tab's run: ring8, step 0
    run = demo.ctx.registry.get(session)
    assert run is not None and run.snapshot().fixes == OFF
    try:
        live, notice = post_event(url, "set_live_fixes", [1.0, 0.0, 5, False], session)
        status = status_of(live)  # (the live view's value: the status line it shows)
        assert "Switched live at step 0" in notice and "R1 (gamma 1)" in notice and "unrolled D (5 steps)" in notice
        assert "R1 gamma 1, unrolled D 5" in status
        assert run.snapshot().fixes == {**OFF, "r1_gamma": 1.0, "unrolled_steps": 5}
        for bad in ([float("nan"), 0.0, 0, False], [0.0, float("inf"), 0, False], [0.0, 0.0, 11, False],
                    [-1.0, 0.0, 0, False], [0.0, 0.0, 0, "yes"], ["1", 0.0, 0, False]):
            out = post_event(url, "set_live_fixes", bad, session)
            assert out[0] is None or "Not applied" in out[1], (bad, out)
            assert out[1], bad  # a sentence, not a bare error
            assert run.snapshot().fixes == {**OFF, "r1_gamma": 1.0, "unrolled_steps": 5}, bad
    finally:
        demo.ctx.registry.close(session)
