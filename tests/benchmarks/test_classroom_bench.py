"""The classroom load generator (benchmarks/): its browser-like client against the real app, and a
small classroom run. Correctness only, never timing: every student admitted, training, no errors,
everything reaped once the tabs close."""

from __future__ import annotations

import asyncio
import re

import orjson
import pytest

from benchmarks import page_text
from benchmarks.browser_client import StudentClient
from benchmarks.classroom import run_async
from live.snapshot import Snapshot
from ui.live_view import payload
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


def test_page_text_reads_the_live_views_html():
    """The payload carries the status line and the alerts as HTML (payload.html_of): read as shown."""
    status = page_text.text_of(payload.html_of(view.status_line(_snap())))
    assert "<" not in status and page_text.status_word(status) == "running"
    assert page_text.status_step(status) == 12345
    alerts = page_text.text_of(payload.html_of(view.alerts_text(_snap(metrics=[
        {"step": 1250, "modes_covered": 8, "n_modes": 8, "high_quality_fraction": 0.85}]))))
    assert page_text.modes(alerts) == {"covered": 8, "of": 8, "near_pct": 85, "step": 1250}
    idle = page_text.text_of(payload.html_of(view.status_line(_snap(status="idle", step=0))))
    assert page_text.status_word(idle) == "idle"


class _Fake:
    """A StudentClient's live store without a server: what its polls would merge."""

    def __init__(self):
        self.c = StudentClient("http://127.0.0.1:9/")

    def payload(self, version, history_from, steps, picture=None):
        return {"run": 4, "version": version, "step": steps[-1] if steps else 0, "status": "running",
                "status_html": f"<p><strong>running</strong> · step {steps[-1] if steps else 0:,}</p>",
                "alerts_html": "", "picture": picture,
                "history": {"from": history_from, "rows": {"step": steps, "d_loss": [0.5] * len(steps)}}}


def test_the_client_merges_history_and_queries_as_the_page_does():
    """live_view.js: from 0 replaces the rows, else appends; the query says version, run, rows, last step, picture."""
    f = _Fake()
    c = f.c
    assert c.query() == "v=none&r=0&h=0&t=-1&p=-2"  # nothing yet
    c._apply(f.payload(3, 0, [10, 20], picture={"kind": "field", "step": 20}))
    assert c.query() == "v=3&r=4&h=2&t=20&p=20"
    c._apply(f.payload(5, 2, [30]))  # appended; the picture stays
    assert c.history["step"] == [10, 20, 30] and c.query() == "v=5&r=4&h=3&t=30&p=20"
    c._apply(f.payload(9, 0, [20, 40]))  # thinned: the server sends them all again
    assert c.history["step"] == [20, 40] and c.query() == "v=9&r=4&h=2&t=40&p=20"
    assert c.rec.errors == [] and c.step == 40
    c._apply(f.payload(10, 5, [50]))  # rows that do not follow what the tab holds: a protocol error
    assert c.rec.errors and "history from 5" in c.rec.errors[0]


def test_polls_follow_the_pages_schedule(monkeypatch):
    """One poll at a time, the next 1 s after an answer (3 s after a 429), none while held, the loop
    ends on 410; a 204's record keeps the step of the last 200 (no wall clock: asyncio.sleep is recorded)."""
    f = _Fake()
    c = f.c
    answers = [(200, f.payload(1, 0, [100])), (204, None), (429, None), (200, f.payload(2, 1, [200])),
               (410, None), (200, f.payload(3, 1, [300]))]
    sleeps, sent = [], []

    async def fake_sleep(s):
        sleeps.append(s)

    async def request(method, path, body=None, headers=None):
        sent.append(path)
        status, p = answers[len(sent) - 1]
        return status, (b"" if p is None else orjson.dumps(p))

    async def visit():
        monkeypatch.setattr(asyncio, "sleep", fake_sleep)
        c.http.request = request
        c._set_live({"token": "T" * 22, "payload": f.payload(0, 0, [])})
        await c._loop
        c.http.close()

    run_async(visit())
    assert sleeps == [1.0, 1.0, 1.0, 3.0, 1.0]  # after Start's answer, a 200, a 204, a 429, a 200; then 410: ends
    assert sent[0] == "/live/" + "T" * 22 + "?v=0&r=4&h=0&t=-1&p=-2"
    assert sent[1].endswith("?v=1&r=4&h=1&t=100&p=-2") and sent[3].endswith("?v=1&r=4&h=1&t=100&p=-2")
    assert len(sent) == 5 and c.rec.gone is not None
    assert [(p.status, p.step) for p in c.rec.polls] == [(200, 100), (204, 100), (429, 100), (200, 200), (410, 200)]
    assert c.rec.statuses == {200: 2, 204: 1, 429: 1, 410: 1} and c.rec.errors == []


def test_efficiency_reads_the_steps_polls_carry():
    """The class's steps/s in the watched window and the quiet one, from each student's poll answers."""
    from benchmarks.classroom import efficiency

    # (sent, answered, status, bytes, step): 100 steps/s while polled, 200 while not; a 204 keeps its step
    polls = [(0, 9.0, 200, 1, 900), (0, 10.0, 200, 1, 1000), (0, 19.0, 204, 0, 1900), (0, 20.0, 200, 1, 2000),
             (0, 40.0, 200, 1, 6000), (0, 41.0, 200, 1, 6100)]
    res = {"marks": {"watched": {"t": 10.0}, "quiet": {"t": 20.2}, "resumed": {"t": 39.9}},
           "students": [{"polls": polls}, {"polls": polls}]}
    e = efficiency(res)
    assert e["students"] == 2
    assert e["watched_steps_per_s"] == pytest.approx(200.0) and e["unwatched_steps_per_s"] == pytest.approx(400.0)
    assert e["ratio"] == pytest.approx(0.5)


def test_one_poll_returns_the_status_text(app_server):
    """Against the real app in this process: the client loads the page (its load events too), presses
    Start with the page's own values and gets the run's token, and one GET live/<token> answers with
    the status line (the page's own loop is kept quiet)."""
    demo, url = app_server
    registry = demo.ctx.registry
    if registry.running_count() >= registry.max_running:
        pytest.skip("the shared in-process app has no room for another run now")

    async def visit():
        c = StudentClient(url, poll_s=3600.0)
        try:
            await c.open()
            assert c.token is None  # the preview has no run to poll
            await c.click("start")
            run = registry.get(c.session_hash)
            while run is not None and run.snapshot().step < 3:  # a few steps, so the poll has news
                await asyncio.sleep(0.05)  # (the event loop waits, polling the run: no fixed wait)
            answer = await c.poll()
            return c, answer
        finally:
            await c.close()

    c, (status, p) = run_async(visit())  # (a thread of its own: Playwright's loop may run in this one)
    assert c.rec.errors == []
    assert c.rec.outcome == "admitted", c.rec.start_notice
    assert set(c.rec.latency) >= {"reconnect", "start", "live"}  # the load events, Start, the poll
    assert status == 200, status
    text = page_text.text_of(p["status_html"])
    assert re.search(r"step [\d,]+", text), text
    assert c.rec.seen[-1].step == page_text.status_step(text) and c.step == p["step"]
    assert c.rec.polls[-1].nbytes > 0 and c.history["step"]
    assert c.rec.heartbeats >= 1  # the heartbeat stream was open during the visit


@pytest.mark.slow  # (it starts `python app.py`, no browser: its client is benchmarks/browser_client.py)
def test_a_small_classroom(monkeypatch, tmp_path):
    """3 students on `python app.py` with room for 3 runs: all admitted, all training, no errors, the
    live view polled (200s carrying bytes), and the runs' processes gone after the tabs close."""
    from benchmarks import classroom

    monkeypatch.setenv("GAN_CLASSROOM_MAX_RUNS", "3")
    monkeypatch.setenv("GAN_CLASSROOM_TRAINING", "process")  # runs in processes: their end is visible from outside
    args = classroom.parse_args(["--students", "3", "--duration", "30", "--start-within", "3", "--quiet-window", "5",
                                 "--log", str(tmp_path / "app.log")])
    res, s = classroom.run(args)
    assert s["errors"] == 0, s["first_errors"]
    assert s["outcomes"] == {"admitted": 3}, [st["start_notice"] for st in res["students"]]
    for st in res["students"]:
        steps = [step for _, step, word in st["steps"] if word == "running" and step is not None]
        assert steps == sorted(steps), steps  # a run's step never goes back
        assert len(steps) >= 5 and steps[-1] > steps[0], steps  # and it rises while watched
        assert st["heartbeats"] >= 1
        assert st["gone"] is None and st["statuses"].get("200", 0) >= 5
    assert s["bytes"]["p50_200"] > 0 and s["steady"]["polls"] > 0
    assert s["steady"]["cpu"]["web_s"] >= 0 and s["steady"]["cpu"]["children_s"] > 0  # the runs train apart
    e = s["efficiency"]  # a quiet window (no polls) after a watched one: both measured for every student
    assert e is not None and e["students"] == 3 and e["watched_steps_per_s"] > 0 and e["unwatched_steps_per_s"] > 0
    srv = s["server"]
    assert srv["reaped_s"] is not None, srv
    assert srv["processes"]["end"] > srv["processes"]["before"]  # run processes (live/single/remote.py) ...
    assert srv["processes"]["after"] == srv["processes"]["before"]  # ... all gone
