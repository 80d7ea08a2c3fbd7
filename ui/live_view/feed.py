"""The live view's feed: an unguessable token per run, and the GET live/<token> route that answers
a poll with the run's new numbers (ui/live_view/payload.py), before Gradio's queue sees anything.

A page polled through a gr.Timer before: each tick was a Gradio event (queue, SSE, ~15-19 ms of
the web server's CPU), and each new picture a PNG file the class process drew (~25 ms) and Gradio
served. Now the page's script fetches `live/<token>?v=&h=&t=&p=` once a second; an answer with
nothing new is HTTP 204, anything else a few KB of JSON, and the browser draws (live_view.js).

    token ──> (session, the run it was made for)      the registry says whether that run is still
                                                        the session's; a run replaced or closed: 410
    (token, version, note) ──> status and alerts HTML   cached: the same version is rendered once
    (token, picture step)  ──> the packed picture       cached: a field is packed once per frame

Tokens are 128-bit random, made by the server and handed out only in the owning tab's own event
answers: a token of another run or a forged one gets nothing. The table holds at most MAX_TOKENS
(least recently used go first); a poll also counts against its token's and its address's buckets.
"""

from __future__ import annotations

import re
import secrets
import threading
import weakref
from collections import OrderedDict

import anyio
import orjson

from live.snapshot import Snapshot
from ui.live_view import payload
from ui.live_view.payload import Have
from ui.request_limits import ADDRESS_BURST, ADDRESS_RATE, Buckets, _address, _refuse

MAX_TOKENS = 4096  # runs' tokens kept (a lecture hall's runs, and every Reset of the hour)
POLL_RATE, POLL_BURST = 4.0, 12.0  # polls a second one token may make (a page polls once a second)
ROUTE = re.compile(r"(?:^|/)live/([A-Za-z0-9_-]{22})$")
GONE = b'{"error": "This run was replaced or closed: the page has a newer one, or press Reset."}'
UNKNOWN = b'{"error": "No such run."}'


class LiveFeed:
    """registry: live.sessions.SessionRegistry (peek, get, queue_note)."""

    def __init__(self, registry, max_tokens: int = MAX_TOKENS):
        self.registry, self.max_tokens = registry, max_tokens
        self._lock = threading.Lock()
        self._tokens: OrderedDict[str, tuple[str, weakref.ref]] = OrderedDict()  # token -> (session, run)
        self._of_run: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> its token
        self._text: dict[str, tuple] = {}  # token -> ((version, note), (status html, alerts html, button))
        self._pictures: dict[str, tuple] = {}  # token -> (picture step, packed picture)
        self.polls = self.answered = 0  # what the benchmark and the tests count

    # -- tokens (the tab's own event handlers) -----------------------------------------------------
    def token_for(self, session: str, run) -> str:
        """The run's token (made on first use): only ever put in its own tab's answers."""
        with self._lock:
            token = self._of_run.get(run)
            if token is None or token not in self._tokens:
                token = secrets.token_urlsafe(16)  # 22 characters, 128 bits
                self._of_run[run] = token
            self._tokens[token] = (session, weakref.ref(run))
            self._tokens.move_to_end(token)
            while len(self._tokens) > self.max_tokens:
                old, _ = self._tokens.popitem(last=False)
                self._text.pop(old, None)
                self._pictures.pop(old, None)
            return token

    def value(self, session: str, run, snap: Snapshot | None = None, note: str = "") -> dict:
        """The live view component's value for a tab's run: its token and the whole payload now, so a
        button's answer shows the new state at once and the page's polls go on from there."""
        token = self.token_for(session, run)
        snap = snap if snap is not None else run.snapshot()
        out = self.payload(token, run, snap, Have(), note)
        if out["picture"] is None and snap.status != "building":  # a new run: its step 0, drawn once here
            visual = run.render()
            if visual.get("field") is not None or visual.get("samples") is not None:
                first = Snapshot(field=visual.get("field"), samples=visual.get("samples"), visual_step=0)
                out["picture"] = payload.picture_of(first)
        return {"token": token, "payload": out}

    def _run_of(self, token: str):
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None, None
            self._tokens.move_to_end(token)
        session, ref = entry
        return session, ref()

    # -- a poll -----------------------------------------------------------------------------------
    def answer(self, token: str, have: Have) -> tuple[int, bytes]:
        """(HTTP status, body) for a poll: 200 with JSON, 204 when nothing changed, 404 / 410."""
        self.polls += 1
        session, run = self._run_of(token)
        if run is None:
            return (410, GONE) if session is not None else (404, UNKNOWN)
        if self.registry.peek(session) is not run:
            return 410, GONE
        self.registry.get(session)  # (the session is watched now: as the old timer's poll marked it)
        snap = run.snapshot()
        note = self.registry.queue_note(session) or ""
        if snap.version == have.version and not note:
            return 204, b""
        self.answered += 1
        return 200, orjson.dumps(self.payload(token, run, snap, have, note))

    def payload(self, token: str, run, snap: Snapshot, have: Have, note: str = "") -> dict:
        from ui.train import view  # (the Train tab's words: status line, alerts)

        key = (snap.version, note)
        cached = self._text.get(token)
        if cached is None or cached[0] != key:
            status = view.status_line(snap)
            button = "Resume" if snap.status != "running" and snap.step else "Pause"
            cached = (key, (payload.html_of(status), payload.html_of(view.alerts_text(snap)), button))
            self._text[token] = cached
        status_html, alerts_html, button = cached[1]
        picture = None
        if snap.visual_step != have.picture:
            kept = self._pictures.get(token)
            if kept is not None and kept[0] == snap.visual_step:
                picture = kept[1]
            else:
                picture = payload.picture_of(snap)
                if picture is not None:
                    self._pictures[token] = (snap.visual_step, picture)
        objective = run.cfg.loss.objective
        return {"schema": payload.SCHEMA, "version": snap.version, "step": snap.step, "status": snap.status,
                "its": round(float(snap.its), 1), "button": button, "status_html": status_html,
                "alerts_html": alerts_html, "note": payload.html_of(note) if note else "", "objective": objective,
                "probability": snap.d_output == "probability", "history": payload.history_since(snap.history, have),
                "picture": picture}


class LiveRoute:
    """ASGI middleware: GET .../live/<token> answered from the feed; everything else goes to Gradio."""

    def __init__(self, app, feed: LiveFeed):
        self.app, self.feed = app, feed
        self.per_token = Buckets(POLL_RATE, POLL_BURST)
        self.per_address = Buckets(ADDRESS_RATE, ADDRESS_BURST)

    async def __call__(self, scope, receive, send):
        match = ROUTE.search(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        token = match.group(1)
        if not self.per_token.take(token) or not self.per_address.take(_address(scope)):
            return await _refuse(send)
        query = dict(_query(scope.get("query_string", b"")))
        status, body = await anyio.to_thread.run_sync(self.feed.answer, token, Have.from_query(query))
        headers = [(b"cache-control", b"no-store")]
        if status != 204:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if status == 204 else body})


def _query(raw: bytes):
    """key=value pairs of a query string, bounded (a poll sends four short numbers)."""
    for part in raw[:256].decode("latin-1").split("&")[:8]:
        key, _, value = part.partition("=")
        yield key[:4], value[:24]
