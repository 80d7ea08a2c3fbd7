"""A bound on how fast one tab, and one address, may send events: an ASGI middleware before Gradio's queue.

Every event a page sends (a click, a timer's tick, an upload) is a POST that Gradio's queue turns
into ~10-20 ms of the web server's CPU before any handler runs. A browser tab sends about two a
second (the live poll, slow motion's phase timer, a click now and then); a client in a loop sends
hundreds, and since the web server answers before the training processes when the cores are busy
(live/run_process.py: RUN_NICENESS), a loop of cheap refusals would take the class's CPU. So each tab
(Gradio's session hash, read from the event's JSON) and each address gets a token bucket, checked
here in well under a millisecond; over it, HTTP 429 with a sentence, and nothing reaches the queue.

The per-address bucket is for floods, set well above a lecture hall behind one school NAT (150
tabs at two events a second); the per-tab bucket is what stops one client's loop. A client can
invent session hashes, so the address bucket is the bound on a client, the tab bucket on a tab.
Memory is bounded: at most MAX_KEYS buckets, the least recently used dropped first.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from typing import Callable

TAB_RATE, TAB_BURST = 4.0, 24.0  # events per second a tab may send, and how many at once
ADDRESS_RATE, ADDRESS_BURST = 400.0, 800.0  # per client address: a hall of 150 tabs fits
MAX_BODY = 64 * 1024  # an event's JSON is read up to here for its session hash (uploads are not read)
MAX_KEYS = 20_000  # buckets kept
TOO_MANY = (b'{"error": "Too many requests from this page: it sent events faster than a person can. '
            b'Wait a few seconds and try again."}')


def clock() -> float:
    """The buckets' seconds (a test that moves a fake clock for the app moves this one with it)."""
    return time.monotonic()


class Buckets:
    """Token buckets by key, at most `max_keys` of them. clock: seconds (injected in tests)."""

    def __init__(self, rate: float, burst: float, max_keys: int = MAX_KEYS, clock: Callable[[], float] | None = None):
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._clock = clock or (lambda: globals()["clock"]())
        self._tokens: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, when)

    def take(self, key: str) -> bool:
        """One token for `key` if it has one (True), else False."""
        now = self._clock()
        tokens, when = self._tokens.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - when) * self.rate)  # (a clock set back adds nothing)
        ok = tokens >= 1.0
        self._tokens[key] = (tokens - 1.0 if ok else tokens, now)
        while len(self._tokens) > self.max_keys:
            self._tokens.popitem(last=False)
        return ok

    def __len__(self) -> int:
        return len(self._tokens)


def client_address(forwarded_for: str, peer: str | None) -> str:
    """Who is asking, as an address (the per-client caps' key). On a Hugging Face Space (SPACE_ID is set)
    every request comes through its proxy, which appends the real address to X-Forwarded-For: the last
    entry is the one the client cannot forge. Elsewhere the connection's peer."""
    if os.environ.get("SPACE_ID"):
        hops = [h.strip() for h in str(forwarded_for or "").split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return str(peer or "local")[:64]


def _address(scope: dict) -> str:
    forwarded = next((v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"x-forwarded-for"), "")
    client = scope.get("client")
    return client_address(forwarded, client[0] if client else None)


class EventRateLimit:
    """ASGI middleware: POSTs (events, uploads) count against their tab's and their address's buckets."""

    def __init__(self, app, tab: Buckets | None = None, address: Buckets | None = None):
        self.app = app
        self.tab = Buckets(TAB_RATE, TAB_BURST) if tab is None else tab  # (an empty Buckets is falsy)
        self.address = Buckets(ADDRESS_RATE, ADDRESS_BURST) if address is None else address

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        if not scope.get("path", "").endswith("/queue/join"):
            return await (self.app(scope, receive, send) if self.address.take(_address(scope)) else _refuse(send))
        body, more = b"", True
        while more and len(body) <= MAX_BODY:  # (an event's JSON: a few KB)
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        # the tab's bucket first: a tab's refused loop must not drain its address's (a school's) bucket
        if not self.tab.take(_session_of(body)) or not self.address.take(_address(scope)):
            return await _refuse(send)
        replayed = False

        async def replay():  # the body once more for Gradio, then whatever else the client sends
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        return await self.app(scope, replay, send)


def _session_of(body: bytes) -> str:
    """The session hash an event names (bounded: it is only a key), or '' when there is none."""
    try:
        value = json.loads(body).get("session_hash")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return ""
    return value[:64] if isinstance(value, str) else ""


async def send_poll_answer(send, status: int, body: bytes) -> None:
    """A poll's answer (the live view's and the room channel's routes): JSON, or 204 with no body; never cached."""
    headers = [(b"cache-control", b"no-store")]
    if status != 204:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if status == 204 else body})


async def _refuse(send) -> None:
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"2")]})
    await send({"type": "http.response.body", "body": TOO_MANY})
