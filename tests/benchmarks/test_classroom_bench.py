"""The classroom load generator (benchmarks/): its browser-like client against the real app, and a
small classroom run. Correctness only, never timing: every student admitted, training, no errors,
everything reaped once the tabs close."""

from __future__ import annotations

import asyncio
import re

import pytest

from benchmarks import page_text
from benchmarks.browser_client import StudentClient
from benchmarks.classroom import run_async
from live.snapshot import Snapshot
from ui.train import view


def _snap(**kw) -> Snapshot:
    return Snapshot(**{"status": "running", "step": 12345, "its": 400.0, "device": "cpu", "dataset": "ring8",
                       "lr_g": 1e-3, "lr_d": 1e-3, "d_steps": 1, **kw})


def test_page_text_reads_what_the_train_view_writes():
    status = view.status_line(_snap())
    assert page_text.status_word(status) == "running"
    assert page_text.status_step(status) == 12345
    alerts = view.alerts_text(_snap(metrics=[{"step": 1250, "modes_covered": 8, "n_modes": 8,
                                              "high_quality_fraction": 0.85}]))
    assert page_text.modes(alerts) == {"covered": 8, "of": 8, "near_pct": 85, "step": 1250}
    assert page_text.quality_reached(page_text.modes(alerts))
    assert page_text.modes(view.alerts_text(_snap())) is None


def test_one_poll_returns_the_status_text(app_server):
    """Against the real app in this process: the client loads the page, presses Start with the
    page's own values, and one poll answers with the status line (the timer is kept quiet)."""
    demo, url = app_server
    registry = demo.ctx.registry
    if registry.running_count() >= registry.max_running:
        pytest.skip("the shared in-process app has no room for another run now")

    async def visit():
        c = StudentClient(url, tick_s=3600.0)
        try:
            await c.open()
            await c.click("start")
            run = registry.get(c.session_hash)
            while run is not None and run.snapshot().step < 3:  # a few steps, so the poll has news
                await asyncio.sleep(0.05)  # (the event loop waits, polling the run: no fixed wait)
            outputs = await c.poll()
            return c, outputs
        finally:
            await c.close()

    c, outputs = run_async(visit())  # (a thread of its own: Playwright's loop may run in this one)
    assert c.rec.errors == []
    assert c.rec.outcome == "admitted", c.rec.start_notice
    status = outputs[c.page.output_index(c.page.event("poll"), "status")]
    assert isinstance(status, str) and re.search(r"step [\d,]+", status), status
    assert c.rec.seen[-1].step == page_text.status_step(status)
    assert c.rec.heartbeats >= 1  # the heartbeat stream was open during the visit


@pytest.mark.slow  # (it starts `python app.py`, no browser: its client is benchmarks/browser_client.py)
def test_a_small_classroom(monkeypatch, tmp_path):
    """3 students on `python app.py` with room for 3 runs: all admitted, all training, no errors,
    and the runs' processes gone after the tabs close."""
    from benchmarks import classroom

    monkeypatch.setenv("GAN_CLASSROOM_MAX_RUNS", "3")
    monkeypatch.setenv("GAN_CLASSROOM_TRAINING", "process")  # runs in processes: their end is visible from outside
    args = classroom.parse_args(["--students", "3", "--duration", "30", "--start-within", "3",
                                 "--log", str(tmp_path / "app.log")])
    res, s = classroom.run(args)
    assert s["errors"] == 0, s["first_errors"]
    assert s["outcomes"] == {"admitted": 3}, [st["start_notice"] for st in res["students"]]
    for st in res["students"]:
        steps = [step for _, step, word in st["steps"] if word == "running" and step is not None]
        assert steps == sorted(steps), steps  # a run's step never goes back
        assert len(steps) >= 5 and steps[-1] > steps[0], steps  # and it rises while watched
        assert st["heartbeats"] >= 1
    srv = s["server"]
    assert srv["reaped_s"] is not None, srv
    assert srv["processes"]["end"] > srv["processes"]["before"]  # run processes (live/worker.py) ...
    assert srv["processes"]["after"] == srv["processes"]["before"]  # ... all gone
