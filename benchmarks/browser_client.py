"""One student's browser tab on the Train tab, over HTTP as Gradio 6.31's own frontend and the app's
live view script (ui/live_view/live_view.js) talk to the app.

What a tab does (recorded from headless Chromium on this app: scripts/record_page_requests.py, and
read from gradio's routes.py, its frontend client and live_view.js):
  1. GET /  (the HTML carries the app config inline, the live view's preview value with it), its
     entry script and stylesheet, theme.css. The lazily imported JS chunks and fonts a first visit
     also fetches are static files and are not fetched here.
  2. GET gradio_api/heartbeat/<session_hash>, held open for the whole visit: closing it is what
     makes the server fire demo.unload (the app then closes the tab's run).
  3. The page's load events (demo.load: room_join, board_load, the lessons' on_load, reconnect with
     the browser's 32-hex token), then every event (a button click, a dropdown pick) is POST
     gradio_api/queue/join with {data, fn_index, trigger_id, session_hash} -> {event_id}; the answer
     comes on the session's one SSE stream, GET gradio_api/queue/data?session_hash=..., opened when an
     event is pending and closed by the server ("close_stream") once none is.
  4. The live view (gr.HTML #live-picture): an event's answer sets its value {"token", "payload"};
     a new token starts the page's poll loop: GET live/<token>?v=&r=&h=&t=&p= (what it holds: the
     payload version, its history rows, the step of its last row, its picture's step), 1 s after
     the last answer (setTimeout, so never two at once); 200 JSON is merged (history from 0:
     replaced, else appended), 204 is nothing new, 410/404 ends the loop, 429 waits 3 s, a broken
     connection 2 s. A value without a token (a preview) ends it too.

A StudentClient records each event's latency (join posted -> process_completed), each poll (when,
HTTP status, body bytes, latency, the run's step as of it), errors, and what the page shows after
each answer (page_text on the status and alerts HTML), so a bench knows each student's step and
whether Start was admitted, queued or refused.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import page_text
from .gradio_page import Page
from .http11 import HttpError, Session

try:  # gradio depends on orjson; it parses a poll's answer (numbers, history) faster than json
    from orjson import dumps as _dumps
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    import json

    def _dumps(obj) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

    _loads = json.loads

EVENT_TIMEOUT_S = 120.0  # an answer slower than this is an error (a browser would just keep waiting)
POLL_S, TOO_FAST_S, BROKEN_S = 1.0, 3.0, 2.0  # live_view.js: POLL_MS; after a 429; after a network error
LIVE_ID = "live-picture"  # the gr.HTML whose value carries the run's token and payload


class EventError(RuntimeError):
    """The server refused or failed an event."""


@dataclass
class Seen:
    """What the tab shows, as of one answer."""

    t: float  # seconds since the tab opened
    word: str | None  # the status line's first word: running, paused, ...
    step: int | None
    modes: dict | None  # the alerts panel's mode count (2D mixtures)


@dataclass
class Poll:
    """One GET live/<token>, answered."""

    sent: float  # seconds since the tab opened
    t: float  # when its answer had been read in full
    status: int
    nbytes: int  # the body's bytes (0 for a 204)
    step: int | None  # the run's step as the tab knows it after this answer: from the last 200 answer


@dataclass
class Record:
    """Everything a bench reads from one tab."""

    latency: dict[str, list[float]] = field(default_factory=dict)  # api_name ("live" for a poll) -> seconds
    errors: list[str] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)  # poll answers by HTTP status
    gone: str | None = None  # why the poll loop ended early (410 / 404), if it did
    heartbeats: int = 0  # messages on the heartbeat stream
    seen: list[Seen] = field(default_factory=list)  # after every answer that brought a payload
    start_sent: float | None = None  # seconds since the tab opened
    start_word: str | None = None  # the status word in Start's answer
    start_notice: str = ""
    outcome: str | None = None  # admitted / queued / refused / error, from Start's answer
    running_at: float | None = None  # first answer showing "running"
    quality_at: float | None = None  # first answer whose alerts pass page_text.quality_reached
    quality_step: int | None = None
    step_target_at: float | None = None  # first answer showing step >= step_target
    connections: int = 0


def new_session_hash() -> str:
    """As the frontend makes one: Math.random().toString(36).substring(2) (about 11 characters)."""
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=11))


class StudentClient:
    """One browser tab. `await open()`, then `click("start")` when the student presses Start, then
    `await close()` when the tab closes. The live view polls on its own in between, once an answer
    gave it a run's token; `hold_polls()` / `resume_polls()` stop and restart it (the bench's quiet
    window: the tab stays open, its heartbeat goes on)."""

    def __init__(self, url: str, *, poll_s: float = POLL_S, step_target: int = 3500, load_events: bool = True):
        self.url = url.rstrip("/") + "/"
        self.http = Session(self.url)
        self.session_hash = new_session_hash()
        self.browser_token = "".join(random.choices("0123456789abcdef", k=32))  # reconnect's localStorage token
        self.poll_s, self.step_target, self.load_events = poll_s, step_target, load_events
        self.rec = Record()
        self.page: Page | None = None
        self._t0 = time.monotonic()
        self._waiting: dict[str, asyncio.Future] = {}  # event_id -> its process_completed message
        self._early: dict[str, dict] = {}  # answers that came before their join's reply did
        self._stream: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        # the live view's store (live_view.js): the token polled, the last payload, the history, the picture's step
        self.token: str | None = None
        self.last: dict | None = None
        self.history: dict[str, list] = {}
        self.picture_step: int | None = None
        self.step: int | None = None  # the run's step from the last payload (a 204 leaves it)
        self._loop: asyncio.Task | None = None
        self._go = asyncio.Event()
        self._go.set()

    def now(self) -> float:
        return time.monotonic() - self._t0

    # -- the visit -----------------------------------------------------------------------------
    async def open(self) -> None:
        """Load the page, open the heartbeat, fire the page's load events."""
        self._t0 = time.monotonic()
        status, html = await self.http.request("GET", "/")
        if status != 200:
            raise HttpError(f"GET /: HTTP {status}")
        self.page = Page(html.decode())
        self._spawn(self._heartbeat())
        for path in ["/" + a for a in self.page.entry_assets] + [self.page.theme_css()] + \
                [self._path(u) for u in self.page.initial_files()]:
            await self._get(path)
        self._set_live(self.page.values.get(self.page.component_id(LIVE_ID)))  # the preview: no token
        if self.load_events:  # sent together, as the page sends them; each one's .then events after it
            await asyncio.gather(*(self._load_and_then(ev) for ev in self.page.load_events()))

    async def _load_and_then(self, ev) -> None:
        await self._event(ev, self._load_inputs(ev))
        for then in self.page.then_events(ev):
            await self._event(then, self._load_inputs(then))

    async def close(self) -> None:
        """Close the tab: every connection goes, the heartbeat's included (the server then unloads)."""
        self.token = None
        tasks = list(self._tasks) + [t for t in (self._stream, self._loop) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.rec.connections = self.http.connections_made
        self.http.close()

    async def choose(self, elem_id: str, value) -> list | None:
        """Pick a value in a dropdown (its "input" event, as a keyboard pick sends it: once) and
        show what the server answers, e.g. a preset's settings in every widget."""
        self.page.values[self.page.component_id(elem_id)] = value
        return await self._event(self.page.event_on(elem_id, "input"), {})

    async def click(self, api_name: str, **overrides) -> list | None:
        """Fire the event `api_name` as the page does (its inputs' values as the page holds them,
        overrides by elem_id); the outputs, or None after an error (recorded)."""
        if api_name == "start":
            self.rec.start_sent = self.now()
        outputs = await self._event(api_name, overrides)
        if api_name == "start" and outputs is not None:
            self._classify_start(outputs)
        return outputs

    async def upload_and_click(self, api_name: str, elem_id: str, name: str, data: bytes) -> list | None:
        """Upload a file as the page's file widget `elem_id` does (POST upload, multipart), then fire its
        upload event `api_name` with the stored file as the widget's value."""
        boundary = "----gcbench" + new_session_hash()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        status, answer = await self.http.request("POST", f"{self.page.api_prefix}/upload",
                                                 body, {"content-type": f"multipart/form-data; boundary={boundary}"})
        if status != 200:
            self.rec.errors.append(f"{self.now():.1f}s upload: HTTP {status}")
            return None
        path = _loads(answer)[0]
        value = {"path": path, "orig_name": name, "size": len(data), "meta": {"_type": "gradio.FileData"}}
        return await self.click(api_name, **{elem_id: value})

    # -- the live view's polls (live_view.js: poll, query, apply, setValue) ----------------------------
    def hold_polls(self) -> None:
        """Stop polling (a poll in flight still lands); the heartbeat goes on."""
        self._go.clear()

    def resume_polls(self) -> None:
        """Poll again, at once (the first poll after a quiet window)."""
        self._go.set()

    def query(self) -> str:
        """What the page holds, as live_view.js's query() writes it."""
        steps = self.history.get("step", [])
        run = self.last.get("run") or 0 if self.last else 0
        return (f"v={self.last['version'] if self.last else 'none'}&r={run}&h={len(steps)}"
                f"&t={steps[-1] if steps else -1}&p={self.picture_step if self.picture_step is not None else -2}")

    async def poll(self) -> tuple[int, dict | None] | None:
        """One poll of the current token now: (HTTP status, the 200 answer's payload or None), or None
        after a broken connection (recorded). The loop calls this; tests may too."""
        token = self.token
        if token is None:
            return None
        sent, t = self.now(), time.monotonic()
        try:
            status, body = await self.http.request("GET", f"/live/{token}?{self.query()}")
        except (HttpError, OSError) as e:
            self.rec.errors.append(f"{self.now():.1f}s live: {type(e).__name__}: {e}")
            return None
        self.rec.latency.setdefault("live", []).append(time.monotonic() - t)
        self.rec.statuses[status] = self.rec.statuses.get(status, 0) + 1
        payload = None
        if status == 200 and token == self.token:
            payload = _loads(body)
            self._apply(payload)
        elif status not in (200, 204, 404, 410, 429):
            self.rec.errors.append(f"{self.now():.1f}s live: HTTP {status} {body[:120]!r}")
        self.rec.polls.append(Poll(sent, self.now(), status, len(body), self.step))
        return status, payload

    async def _poll_loop(self, token: str) -> None:
        """setTimeout(poll, 1000) after each answer; 3 s after a 429, 2 s after a broken connection;
        ends on 404 / 410 or when another token (or none) replaced this one."""
        wait = self.poll_s
        while True:
            await asyncio.sleep(wait)
            await self._go.wait()
            if token != self.token:
                return
            answer = await self.poll()
            if token != self.token:
                return
            wait = self.poll_s
            if answer is None:
                wait = BROKEN_S
            elif answer[0] in (404, 410):
                self.rec.gone = self.rec.gone or f"{self.now():.1f}s HTTP {answer[0]}"
                return
            elif answer[0] == 429:
                wait = TOO_FAST_S

    def _set_live(self, value) -> None:
        """The live view's setValue: merge the payload; a new token starts its poll loop; no token stops it."""
        if not isinstance(value, dict):
            return
        if value.get("payload"):
            self._apply(value["payload"])
        token = value.get("token")
        if token and token != self.token:
            self.token = token
            if self._loop is not None:
                self._loop.cancel()
            self._loop = asyncio.create_task(self._poll_loop(token))
        elif not token:
            self.token = None  # (a preview: its loop ends at its next turn)

    def _apply(self, p: dict) -> None:
        """Merge one payload (a poll's answer or a button's) as live_view.js's apply(), and read it."""
        h = p.get("history")
        if h:
            if h["from"] == 0:
                self.history = {}
            elif h["from"] != len(self.history.get("step", [])):  # the server's rows no longer follow ours
                self.rec.errors.append(f"{self.now():.1f}s live: history from {h['from']}, the tab holds "
                                       f"{len(self.history.get('step', []))} rows")
            for k, vals in h["rows"].items():
                self.history.setdefault(k, []).extend(vals)
        if p.get("picture"):
            self.picture_step = p["picture"]["step"]
        self.last, self.step = p, p.get("step")
        self._read(p)

    # -- events --------------------------------------------------------------------------------
    def _load_inputs(self, ev) -> dict:
        """A load event's inputs: reconnect's is the browser's token (its js returns it from localStorage)."""
        try:
            box = self.page.component_id("browser-token")
        except Exception:  # noqa: BLE001 (an app without it)
            return {}
        return {"browser-token": self.browser_token} if box in ev.inputs else {}

    async def _event(self, api_name, overrides: dict) -> list | None:
        """Fire an event (its api_name, or a gradio_page.Event) and wait for its answer."""
        ev = self.page.event(api_name) if isinstance(api_name, str) else api_name
        api_name = api_name if isinstance(api_name, str) else (ev.api_name or f"fn {ev.fn_index}")
        body = {"data": self.page.inputs_for(ev, **overrides), "fn_index": ev.fn_index, "trigger_id": ev.trigger_id,
                "session_hash": self.session_hash}
        t = time.monotonic()
        try:
            msg = await asyncio.wait_for(self._submit(body), EVENT_TIMEOUT_S)
        except (HttpError, EventError, OSError, asyncio.TimeoutError) as e:
            self.rec.errors.append(f"{self.now():.1f}s {api_name}: {type(e).__name__}: {e}")
            return None
        self.rec.latency.setdefault(api_name, []).append(time.monotonic() - t)
        outputs = msg["output"]["data"]
        self.page.apply(ev, outputs)
        k = self.page.output_index(ev, LIVE_ID)
        if k is not None:
            self._set_live(_value(outputs[k]))
        return outputs

    async def _submit(self, body: dict) -> dict:
        status, data = await self.http.request("POST", f"{self.page.api_prefix}/queue/join?", _dumps(body))
        if status != 200:
            raise EventError(f"queue/join: HTTP {status} {data[:200]!r}")
        event_id = _loads(data)["event_id"]
        fut = asyncio.get_running_loop().create_future()
        if event_id in self._early:
            fut.set_result(self._early.pop(event_id))
        else:
            self._waiting[event_id] = fut
            if self._stream is None or self._stream.done():
                self._stream = asyncio.create_task(self._data_stream())
        try:
            msg = await fut
        finally:
            self._waiting.pop(event_id, None)
        if not msg.get("success", False) or "error" in msg.get("output", {}):
            raise EventError(str(msg.get("output", {}).get("error") or msg)[:300])
        return msg

    async def _data_stream(self) -> None:
        """The session's SSE stream: hands each answer to its event. The server ends it once no
        event is pending; if one is still waiting then (it joined as the stream was closing), reopen."""
        path = f"{self.page.api_prefix}/queue/data?session_hash={self.session_hash}"
        while True:
            try:
                async for data in self.http.stream(path):
                    msg = _loads(data)
                    kind = msg.get("msg")
                    if kind == "process_completed":
                        fut = self._waiting.get(msg.get("event_id"))
                        if fut is None:
                            self._early[msg.get("event_id")] = msg
                        elif not fut.done():
                            fut.set_result(msg)
                    elif kind == "unexpected_error":
                        self._fail_all(EventError(f"unexpected_error: {msg.get('message')}"))
            except (HttpError, OSError, asyncio.IncompleteReadError, ValueError) as e:
                self._fail_all(EventError(f"queue/data: {type(e).__name__}: {e}"))
                return  # the waiting events have failed; the next event opens a new stream
            if all(fut.done() for fut in self._waiting.values()):
                return

    def _fail_all(self, error: Exception) -> None:
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(error)

    async def _heartbeat(self) -> None:
        try:
            async for _ in self.http.stream(f"{self.page.api_prefix}/heartbeat/{self.session_hash}"):
                self.rec.heartbeats += 1
            self.rec.errors.append(f"{self.now():.1f}s heartbeat: the server ended it")
        except (HttpError, OSError, asyncio.IncompleteReadError, ValueError) as e:
            self.rec.errors.append(f"{self.now():.1f}s heartbeat: {type(e).__name__}: {e}")

    # -- what the page shows -----------------------------------------------------------------------
    def _read(self, p: dict) -> None:
        """What the student reads from a payload: the status line and the alerts panel (their HTML as text)."""
        status = page_text.text_of(p.get("status_html", ""))
        alerts = page_text.text_of(p.get("alerts_html", ""))
        t, word, step, modes = self.now(), page_text.status_word(status), page_text.status_step(status), None
        modes = page_text.modes(alerts)
        self.rec.seen.append(Seen(t, word, step, modes))
        if self.rec.start_sent is None:
            return  # (the preview, before Start)
        if word == "running" and self.rec.running_at is None:
            self.rec.running_at = t
        if self.rec.quality_at is None and page_text.quality_reached(modes):
            self.rec.quality_at, self.rec.quality_step = t, modes["step"]
        if self.rec.step_target_at is None and step is not None and step >= self.step_target:
            self.rec.step_target_at = t

    def _classify_start(self, outputs: list) -> None:
        ev = self.page.event("start")
        live = _value(outputs[self.page.output_index(ev, LIVE_ID)])
        notice = _value(outputs[self.page.output_index(ev, "notice")])
        payload = live.get("payload") if isinstance(live, dict) else None
        status = page_text.text_of(payload.get("status_html", "")) if payload else ""
        notice = notice if isinstance(notice, str) else ""
        word = page_text.status_word(status) or ""
        self.rec.start_word, self.rec.start_notice = word, notice
        text = f"{word} {notice}".lower()
        if "queue" in text or "waiting" in text:
            self.rec.outcome = "queued"
        elif page_text.is_warning(notice):
            self.rec.outcome = "refused"
        elif word == "running":
            self.rec.outcome = "admitted"
        else:
            self.rec.outcome = f"other ({word})"

    # -- plumbing ----------------------------------------------------------------------------------
    def _path(self, url: str) -> str:
        """A URL from the config or an output, as a path on this server (the config says 127.0.0.1:port)."""
        u = urlsplit(url)
        path = u.path + (f"?{u.query}" if u.query else "")
        prefix = urlsplit(self.url).path.rstrip("/")
        return path[len(prefix):] if prefix and path.startswith(prefix) else path

    async def _get(self, path: str) -> None:
        try:
            status, _ = await self.http.request("GET", path)
            if status != 200:
                self.rec.errors.append(f"{self.now():.1f}s GET {path[:80]}: HTTP {status}")
        except (HttpError, OSError) as e:
            self.rec.errors.append(f"{self.now():.1f}s GET {path[:80]}: {type(e).__name__}: {e}")

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _value(v):
    """An output's value ({"__type__": "update", "value": ...} carries one; gr.skip() carries none)."""
    if isinstance(v, dict) and v.get("__type__") == "update":
        return v.get("value")
    return v
