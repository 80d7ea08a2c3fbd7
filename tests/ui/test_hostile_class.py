"""Hostile clients against the class process (issue #23, findings 1, 2 and 8), over the real app's API:
the widest settings the widgets allow never join the class's batched step, a loop of slow steps on
class runs neither starves the class nor passes the cap on places, and one client's idle runs cannot
hold the solo lane. Steps are counted, never timed."""

from __future__ import annotations

import pytest

from live.run import LiveSettings
from live.single import remote as worker
from ui.common import session_id

from conftest import poll_until, status_of

pytestmark = pytest.mark.skipif(not worker.processes_available(), reason="the class process is Linux-only")
WIDEST = {"width": 256, "depth": 8, "batch_size": 1024, "d_steps": 10, "nz": 128}


def run_of(capped_app, c):
    return capped_app[0].ctx.registry.peek(session_id(c))


def test_the_widest_settings_train_alone_not_in_the_class(capped_app, client, post_event, train_inputs):
    """Finding 1: such a run was batched with the class and cut a student from 28.7 to 0.59 steps/s."""
    victim = client()
    assert "running" in status_of(victim.predict(api_name="/start"))
    assert getattr(run_of(capped_app, victim), "shares_a_step", False)  # the default: in the class
    wide = "hostile-widest"
    out = post_event(capped_app[1], "reset", train_inputs(**WIDEST), wide)
    registry = capped_app[0].ctx.registry
    try:
        run = registry.peek(wide)
        assert run is not None and not getattr(run, "shares_a_step", False), out  # alone, in its own process
        assert poll_until(lambda: run_of(capped_app, victim).snapshot().step > 50, timeout_s=60)
    finally:
        registry.close(wide)
        victim.predict(api_name="/pause")


def test_a_loop_of_slow_steps_on_class_runs_leaves_the_class_training(capped_app, client, monkeypatch):
    """Finding 2: eight sessions looping Slow motion took a student from 72 to 0.7 steps/s. Slow steps of
    class runs are computed in the class loop's turn (one run's share), and at most max_slow at once."""
    registry = capped_app[0].ctx.registry
    monkeypatch.setattr(registry, "max_slow", 2)
    victim = client()
    victim.predict(api_name="/start")
    victim_run = run_of(capped_app, victim)
    attackers = [client() for _ in range(3)]
    for c in attackers:
        c.predict(api_name="/reset")
        assert getattr(run_of(capped_app, c), "shares_a_step", False)
    before = victim_run.snapshot().step
    jobs = [c.submit(api_name="/slow_motion") for c in attackers for _ in range(3)]
    captions = [str(j.result(timeout=120)[0]) for j in jobs]
    refused = [c for c in captions if "⏸" in c]
    assert refused and all("one slow step every" in c or "slow steps are being computed" in c for c in refused), refused
    slowed = sum(run_of(capped_app, c).snapshot().step for c in attackers)
    assert 1 <= slowed == len(captions) - len(refused) <= 3  # one step per slow step given; a session: one per 3 s
    assert poll_until(lambda: victim_run.snapshot().step > before + 50, timeout_s=60)  # the class went on
    victim.predict(api_name="/pause")


def test_idle_runs_of_one_client_cannot_hold_the_solo_lane(capped_app, client):
    """Finding 8: eight idle runs with R1 switched on held all eight places of the solo lane, and every
    other student's R1 was refused. Each run of the lane now takes only its share: there is no cap to fill."""
    from live.classroom.solo_lane import MAX_SOLO_RUNS

    assert MAX_SOLO_RUNS >= 150  # as many as the class process holds: no place to take from others
    others = [client() for _ in range(4)]
    for c in others:
        c.predict(api_name="/reset")
        run_of(capped_app, c).set_live(LiveSettings(r1_gamma=1.0))
    student = client()
    student.predict(api_name="/start")
    run = run_of(capped_app, student)
    run.set_live(LiveSettings(r1_gamma=1.0))  # accepted: the run moves to the solo lane and trains on
    assert "stepped alone" in run.snapshot().device
    step = run.snapshot().step
    assert poll_until(lambda: run.snapshot().step > step + 10, timeout_s=60)
    student.predict(api_name="/pause")


def test_a_tab_looping_events_is_refused_before_the_queue_and_others_are_answered(capped_app, client):
    """Finding 2's loop, at the door: one session's events past its burst get HTTP 429 with a sentence
    (nothing reaches Gradio's queue), and another tab's request is answered as usual."""
    import json

    import httpx

    from ui.request_limits import TAB_BURST

    url = capped_app[1]
    config = httpx.get(url + "config", timeout=30).json()
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "pause")  # (a cheap one)
    body = json.dumps({"data": [], "fn_index": fn_index, "session_hash": "looping-tab", "event_data": None,
                       "trigger_id": None})
    with httpx.Client(timeout=30) as http:
        statuses = [http.post(url + "gradio_api/queue/join", content=body,
                              headers={"content-type": "application/json"}) for _ in range(int(TAB_BURST) + 20)]
    refused = [r for r in statuses if r.status_code == 429]
    assert refused and "Too many requests" in refused[0].text
    assert all(r.status_code in (200, 429) for r in statuses)
    out = client().predict("ring8", api_name="/latent_source")  # another tab: answered
    assert "ring8" in out[0]
