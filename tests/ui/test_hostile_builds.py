"""Slow builds against the real app (finding 5 of issue 23, its build half): a Start whose run takes
minutes to build (an image zip to decode) held one of the server's Start workers for the whole build,
and eight of them held every worker. Now a run is built in its own process and Start answers
"building" at once; here builds wait at a gate (tests/gated_build.py) for as long as the test runs,
and another student's Start and polls are answered and their run trains meanwhile.

Asserted: answers and step counts, never times.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from live.single import remote as worker
from tests.gated_build import Gate

from conftest import live_poll, status_of

pytestmark = pytest.mark.skipif(not worker.processes_available(), reason="run processes are Linux-only")

SLOW_SEED = 4242  # the attackers' runs: their builds wait at the gate
STARTS, RESETS = 3, 1  # attackers pressing Start (they take both training slots, then queue) and Reset


def test_slow_builds_hold_no_start_worker(capped_app, client, post_event, train_inputs, monkeypatch, tmp_path,
                                          wait_for):
    demo, url = capped_app
    registry = demo.ctx.registry
    gate = Gate(tmp_path)
    monkeypatch.setattr(worker.RemoteTrainer, "builds", gate.builds(seeds=(SLOW_SEED,)))
    monkeypatch.setenv("GAN_CLASSROOM_BATCHED", "0")  # the attackers' runs alone, as image runs are
    attackers = {f"slow-build-{uuid.uuid4().hex[:12]}": event for event in ["start"] * STARTS + ["reset"] * RESETS}
    answers: dict[str, list] = {}

    def press(session: str, event: str) -> None:
        answers[session] = post_event(url, event, train_inputs(seed=SLOW_SEED), session)

    presses = [threading.Thread(target=press, args=item) for item in attackers.items()]
    try:
        for t in presses:
            t.start()
        for t in presses:
            t.join(120)
        assert len(answers) == len(attackers)  # every press was answered while every build waits
        for session, event in attackers.items():
            status, notice = status_of(answers[session]), answers[session][1]
            assert "building" in status or "Queued" in notice, (event, status, notice)
            assert registry.peek(session).snapshot().status == "building"
        assert registry.running_count() == 2  # the two Starts that got a slot keep it: they train once built

        monkeypatch.setenv("GAN_CLASSROOM_BATCHED", "1")  # the victim: a 2D run, trained with the class
        victim = client()
        out = victim.predict(api_name="/start")
        assert "running" in status_of(out)
        run = registry.get(victim.session_hash)
        first = wait_for(lambda: run.snapshot().step)
        assert wait_for(lambda: "running" in live_poll(url, out[0]["token"])["status_html"]
                        and run.snapshot().step > first, every_s=0.5)  # (polled as often as the page polls)
        assert all(registry.peek(s).snapshot().status == "building" for s in attackers)  # still building
    finally:
        for session in attackers:
            registry.close(session)
