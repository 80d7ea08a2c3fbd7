"""The event rate limits (ui/request_limits.py): token buckets per tab and per address, before Gradio."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from ui.request_limits import ADDRESS_RATE, TAB_RATE, Buckets, EventRateLimit


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_bucket_allows_its_burst_then_its_rate():
    clock = Clock()
    b = Buckets(rate=2.0, burst=5.0, clock=clock)
    assert [b.take("tab") for _ in range(6)] == [True] * 5 + [False]
    clock.now += 1.0  # two tokens back
    assert [b.take("tab") for _ in range(3)] == [True, True, False]
    assert b.take("another tab")  # buckets are per key


def test_a_clock_set_back_adds_no_tokens():
    clock = Clock()
    clock.now = 100.0
    b = Buckets(rate=1.0, burst=2.0, clock=clock)
    b.take("t"), b.take("t")
    clock.now = 0.0
    assert not b.take("t")


def test_buckets_are_bounded_in_number():
    b = Buckets(rate=1.0, burst=1.0, max_keys=100, clock=Clock())
    for i in range(1000):
        b.take(f"k{i}")
    assert len(b) == 100


def test_a_hall_and_a_tab_fit_their_rates():
    """A tab polls once a second and plays slow motion's phases; a hall of 150 tabs behind one NAT sends twice that."""
    assert TAB_RATE >= 2 and ADDRESS_RATE >= 150 * 2


def _call(middleware, path: str, body: dict | bytes, client=("10.0.0.9", 1)) -> tuple[int, bytes]:
    """One POST through the middleware to an app that echoes the body it was given."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = []

    async def receive():
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "client": client, "headers": []}
    with ThreadPoolExecutor(1) as pool:  # (a loop of its own: another test's may be running in this thread)
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def echo(scope, receive, send):
    message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": message["body"]})


def test_a_tab_in_a_loop_is_refused_before_gradio_and_others_are_not():
    clock = Clock()
    limit = EventRateLimit(echo, tab=Buckets(1.0, 3.0, clock=clock), address=Buckets(100.0, 100.0, clock=clock))
    join = "/gradio_api/queue/join"
    answers = [_call(limit, join, {"session_hash": "looping", "data": []}) for _ in range(5)]
    assert [s for s, _ in answers] == [200, 200, 200, 429, 429]
    assert json.loads(answers[0][1])["session_hash"] == "looping"  # Gradio got the body as it was sent
    assert b"Too many requests" in answers[-1][1]
    assert _call(limit, join, {"session_hash": "student", "data": []})[0] == 200


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"session_hash": 5}', b"\xff\xfe"])
def test_bodies_without_a_session_share_one_bucket_and_never_raise(body):
    limit = EventRateLimit(echo, tab=Buckets(1.0, 2.0, clock=Clock()), address=Buckets(100.0, 100.0, clock=Clock()))
    assert [_call(limit, "/gradio_api/queue/join", body)[0] for _ in range(3)] == [200, 200, 429]


def test_an_address_flood_is_refused_on_every_post():
    limit = EventRateLimit(echo, tab=Buckets(100.0, 100.0, clock=Clock()), address=Buckets(1.0, 2.0, clock=Clock()))
    statuses = [_call(limit, "/gradio_api/upload", b"x")[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert _call(limit, "/gradio_api/upload", b"x", client=("10.0.0.10", 1))[0] == 200  # another address


def test_a_tabs_refused_loop_does_not_drain_its_addresss_bucket():
    """A school shares one address: one student's loop, refused at its tab's bucket, leaves the others room."""
    limit = EventRateLimit(echo, tab=Buckets(1.0, 2.0, clock=Clock()), address=Buckets(1.0, 5.0, clock=Clock()))
    join = "/gradio_api/queue/join"
    statuses = [_call(limit, join, {"session_hash": "loop"})[0] for _ in range(50)]
    assert statuses.count(200) == 2
    assert [_call(limit, join, {"session_hash": f"student{i}"})[0] for i in range(3)] == [200, 200, 200]

