"""The live view's feed: an unguessable token per run, and the GET live/<token> route that answers
a poll with the run's new numbers (ui/live_view/payload.py), before Gradio's queue sees anything.

A page polled through a gr.Timer before: each tick was a Gradio event (queue, SSE, ~15-19 ms of
the web server's CPU), and each new picture a PNG file the class process drew (~25 ms) and Gradio
served. Now the page's script fetches `live/<token>?v=&h=&t=&p=` once a second; an answer with
nothing new is HTTP 204, anything else a few KB of JSON, and the browser draws (live_view.js).

    token ──> (session, the run it was made for)      the registry says whether that run is still
                                                        the session's; a run replaced or closed: 410
           or ("room", code)                            a student watching the room's class run: whatever
                                                        run the teacher has now (read only)
           or ("focus", code, member token)             the teacher's projector showing one student's run,
                                                        read from its last snapshot (no call to the run)
    run ──> (version, note) ──> status and alerts HTML  cached: the same version is rendered once
    run ──> picture step    ──> the packed picture      cached: packed once per frame, however many watch

Tokens are 128-bit random, made by the server and handed out only in the owning tab's own event
answers: a token of another run or a forged one gets nothing. The table holds at most MAX_TOKENS
(least recently used go first); a poll also counts against its token's and its address's buckets.
A room's class run is read through ctx.watched (live/serving/shared_snapshot.py): one snapshot a second for
the whole room, however many students watch it.
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
from ui.request_limits import ADDRESS_BURST, ADDRESS_RATE, Buckets, _address, _refuse, send_poll_answer

MAX_TOKENS = 4096  # runs' tokens kept (a lecture hall's runs, and every Reset of the hour)
POLL_RATE, POLL_BURST = 4.0, 12.0  # polls a second one token may make (a page polls once a second)
ROUTE = re.compile(r"(?:^|/)live/([A-Za-z0-9_-]{22})$")
GONE = b'{"error": "This run was replaced or closed: the page has a newer one, or press Reset."}'
UNKNOWN = b'{"error": "No such run."}'


NO_CLASS_RUN = "The teacher has not started a class run yet: it appears here when they do."


class LiveFeed:
    """registry: live.serving.sessions.SessionRegistry (peek, get, queue_note); rooms: live.serving.rooms.RoomRegistry
    and watched: live.serving.shared_snapshot.SharedSnapshots, for the class run a room watches."""

    def __init__(self, registry, rooms=None, watched=None, max_tokens: int = MAX_TOKENS):
        self.registry, self.rooms, self.watched, self.max_tokens = registry, rooms, watched, max_tokens
        self._lock = threading.Lock()
        # token -> (session, weakref to its run) | ("room", code) | ("focus", code, member token)
        self._tokens: OrderedDict[str, tuple] = OrderedDict()
        self._of_run: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> its token
        self._serial: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> its number (payload "run")
        self._text: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> ((version, note), texts)
        self._pictures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> (step, packed picture)
        self._runs_seen = 0
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
            self._keep(token)
            return token

    def _keep(self, token: str) -> None:
        self._tokens.move_to_end(token)
        while len(self._tokens) > self.max_tokens:
            self._tokens.popitem(last=False)

    def watch_value(self, code: str) -> dict:
        """The live view's value for a student watching room `code`'s class run: a new read-only token
        (one per page: it says nothing of the run or the teacher) and the run's numbers now."""
        return self._read_only_value(("room", code))

    def focus_value(self, code: str, member: str) -> dict:
        """The live view's value for the teacher's projector showing one member's run (the board checked the
        teacher's key): a new read-only token, and the run's numbers now. Its polls read the run's last
        snapshot, the one the student's own page fetched: the projector adds no call to the run."""
        return self._read_only_value(("focus", code, member))

    def _read_only_value(self, entry: tuple) -> dict:
        """A new token for `entry` (a room's class run, or a member's run on the projector) and its answer now."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._tokens[token] = entry
            self._keep(token)
        _, body = self.answer(token, Have(), count=False)
        return {"token": token, "payload": orjson.loads(body) if body else None}

    def value(self, session: str, run, snap: Snapshot | None = None, note: str = "") -> dict:
        """The live view component's value for a tab's run: its token and the whole payload now, so a
        button's answer shows the new state at once and the page's polls go on from there."""
        token = self.token_for(session, run)
        snap = snap if snap is not None else run.snapshot()
        return {"token": token, "payload": self.payload(run, snap, Have(), note)}

    def _entry(self, token: str):
        with self._lock:
            entry = self._tokens.get(token)
            if entry is not None:
                self._tokens.move_to_end(token)
            return entry

    def _number(self, run) -> int:
        with self._lock:
            if run not in self._serial:
                self._runs_seen += 1
                self._serial[run] = self._runs_seen
            return self._serial[run]

    # -- a poll -----------------------------------------------------------------------------------
    def answer(self, token: str, have: Have, count: bool = True) -> tuple[int, bytes]:
        """(HTTP status, body) for a poll: 200 with JSON, 204 when nothing changed, 404 / 410."""
        self.polls += count
        entry = self._entry(token)
        if entry is None:
            return 404, UNKNOWN
        if entry[0] == "room":
            return self._answer_room(entry[1], have)
        if entry[0] == "focus":
            return self._answer_focus(entry[1], entry[2], have)
        session, run = entry[0], entry[1]()
        if run is None or self.registry.peek(session) is not run:
            return 410, GONE
        self.registry.get(session)  # (the session is watched now: as the old timer's poll marked it)
        snap = run.snapshot()
        note = self.registry.queue_note(session) or ""
        if snap.version == have.version and have.run == self._number(run) and not note:
            return 204, b""
        self.answered += count
        return 200, orjson.dumps(self.payload(run, snap, have, note))

    def _answer_room(self, code: str, have: Have) -> tuple[int, bytes]:
        """A watcher's poll: the room's class run now, read through the shared snapshot."""
        session = self.rooms.class_session(code) if self.rooms is not None else None
        run = None if session is None else self.registry.peek(session)
        if session is None:
            return 410, GONE  # (the room closed)
        if run is None:
            empty = {**EMPTY, "status_html": payload.html_of(NO_CLASS_RUN)}
            return (204, b"") if have.version == -3 else (200, orjson.dumps(empty))
        snap = self.watched.get(run) if self.watched is not None else run.snapshot()
        if snap.version == have.version and have.run == self._number(run):
            return 204, b""
        self.answered += 1
        return 200, orjson.dumps(self.payload(run, snap, have, "", prefix="**Class run** · "))

    def _answer_focus(self, code: str, member: str, have: Have) -> tuple[int, bytes]:
        """The projector's poll: the member's run as its own page last fetched it; 410 once it is gone."""
        session = self.rooms.session_for(code, member) if self.rooms is not None else None
        run = None if session is None else self.registry.peek(session)
        snap = None if run is None else run.last_snapshot
        if snap is None:
            return 410, GONE
        if snap.version == have.version and have.run == self._number(run):
            return 204, b""
        self.answered += 1
        return 200, orjson.dumps(self.payload(run, snap, have))

    @staticmethod
    def _first_picture(run, snap: Snapshot) -> dict | None:
        """A run that has drawn nothing yet (not started): its step 0, computed once (then cached)."""
        if snap.status in ("building", "running") or snap.visual_step >= 0:
            return None  # (render reads the networks: only of a run that is not training; a running one draws soon)
        try:
            visual = run.render()
        except Exception:  # a run that died meanwhile: its status says so, and no picture
            return None
        return payload.picture_of(Snapshot(field=visual.get("field"), samples=visual.get("samples"), visual_step=0))

    def payload(self, run, snap: Snapshot, have: Have, note: str = "", prefix: str = "") -> dict:
        """The payload for what the page has (`have`): texts and picture cached per run, history sliced."""
        from ui.train import view  # (the Train tab's words: status line, alerts)

        serial = self._number(run)
        if have.run != serial:  # another run than the page's: all of it
            have = Have()
        key = (snap.version, snap.status, snap.step, snap.message, note, prefix)  # (what the texts say)
        cached = self._text.get(run)
        if cached is None or cached[0] != key:
            status = prefix + view.status_line(snap)
            button = "Resume" if snap.status != "running" and snap.step else "Pause"
            cached = (key, (payload.html_of(status), payload.html_of(view.alerts_text(snap)), button))
            self._text[run] = cached
        status_html, alerts_html, button = cached[1]
        picture = None
        if max(snap.visual_step, 0) != have.picture:
            kept = self._pictures.get(run)
            if kept is not None and kept[0] == snap.visual_step:
                picture = kept[1]
            else:
                picture = payload.picture_of(snap) or self._first_picture(run, snap)
                if picture is not None:
                    self._pictures[run] = (snap.visual_step, picture)
        objective = run.cfg.loss.objective
        return {"schema": payload.SCHEMA, "run": serial, "version": snap.version, "step": snap.step,
                "status": snap.status,
                "its": round(float(snap.its), 1), "button": button, "status_html": status_html,
                "alerts_html": alerts_html, "note": payload.html_of(note) if note else "", "objective": objective,
                "probability": snap.d_output == "probability", "history": payload.history_since(snap.history, have),
                "picture": picture}


# what a watcher's page shows while the room has no class run ("version" -3: nothing to redraw next time)
EMPTY = {"schema": payload.SCHEMA, "run": 0, "version": -3, "step": 0, "status": "idle", "its": 0.0,
         "button": "Pause", "status_html": "", "alerts_html": "", "note": "", "objective": "", "probability": True,
         "history": {"from": 0, "rows": {}}, "picture": None}


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
        await send_poll_answer(send, status, body)


def _query(raw: bytes):
    """key=value pairs of a query string, bounded (a poll sends four short numbers)."""
    for part in raw[:256].decode("latin-1").split("&")[:8]:
        key, _, value = part.partition("=")
        yield key[:4], value[:24]
