"""One student's browser tab on the Train tab, over HTTP as Gradio 6.31's own frontend talks to the app.

What a tab does (recorded from headless Chromium on this app, and read from gradio's routes.py and
its frontend client, templates/frontend/assets/index-*.js):
  1. GET /  (the HTML carries the app config inline), its entry script and stylesheet, theme.css,
     and the files the page shows at load (the preview picture). The lazily imported JS
     chunks and fonts a first visit also fetches are static files and are not fetched here.
  2. GET gradio_api/heartbeat/<session_hash>, held open for the whole visit: closing it is what
     makes the server fire demo.unload (the app then closes the tab's run).
  3. Every event (a button click, a gr.Timer tick) is POST gradio_api/queue/join with
     {data, fn_index, trigger_id, session_hash} -> {event_id}; the answer comes on the session's
     one SSE stream, GET gradio_api/queue/data?session_hash=..., opened when an event is pending and
     closed by the server ("close_stream") once none is.
  4. The gr.Timer fires every second on a fixed schedule; with trigger_mode "once" a tick that
     comes while the last one is still pending is dropped (a skipped tick), never queued.
  5. A new picture in the outputs is a file URL: the browser GETs it (not part of the poll's latency).

A StudentClient records each event's latency (join posted -> process_completed), errors, skipped
ticks, and what the page shows after each answer (page_text), so a bench knows each student's step
and whether Start was admitted, queued or refused.
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

try:  # gradio depends on orjson; it parses a poll's answer (plot tables as JSON) faster than json
    from orjson import dumps as _dumps
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    import json

    def _dumps(obj) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

    _loads = json.loads

EVENT_TIMEOUT_S = 120.0  # an answer slower than this is an error (a browser would just keep waiting)


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
class Record:
    """Everything a bench reads from one tab."""

    latency: dict[str, list[float]] = field(default_factory=dict)  # api_name -> seconds per answer
    errors: list[str] = field(default_factory=list)
    ticks: int = 0  # ticks that sent a poll
    skipped: int = 0  # ticks dropped because the last poll was still pending
    heartbeats: int = 0  # messages on the heartbeat stream
    files: int = 0  # pictures fetched
    seen: list[Seen] = field(default_factory=list)  # after every answer that changed the status
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
    `await close()` when the tab closes. The timer polls on its own in between."""

    def __init__(self, url: str, *, tick_s: float = 1.0, step_target: int = 3500, fetch_files: bool = True):
        self.url = url.rstrip("/") + "/"
        self.http = Session(self.url)
        self.session_hash = new_session_hash()
        self.tick_s, self.step_target, self.fetch_files = tick_s, step_target, fetch_files
        self.rec = Record()
        self.page: Page | None = None
        self._t0 = time.monotonic()
        self._waiting: dict[str, asyncio.Future] = {}  # event_id -> its process_completed message
        self._early: dict[str, dict] = {}  # answers that came before their join's reply did
        self._stream: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._tick: asyncio.Task | None = None
        self._last_file: str | None = None
        self._last_status: str | None = None

    def now(self) -> float:
        return time.monotonic() - self._t0

    # -- the visit -----------------------------------------------------------------------------
    async def open(self) -> None:
        """Load the page, open the heartbeat, start the timer."""
        self._t0 = time.monotonic()
        status, html = await self.http.request("GET", "/")
        if status != 200:
            raise HttpError(f"GET /: HTTP {status}")
        self.page = Page(html.decode())
        self._spawn(self._heartbeat())
        for path in ["/" + a for a in self.page.entry_assets] + [self.page.theme_css()] + \
                [self._path(u) for u in self.page.initial_files()]:
            await self._get(path)
        self._spawn(self._timer())

    async def close(self) -> None:
        """Close the tab: every connection goes, the heartbeat's included (the server then unloads)."""
        for task in list(self._tasks) + [t for t in (self._stream, self._tick) if t is not None]:
            task.cancel()
        await asyncio.gather(*self._tasks, *(t for t in (self._stream, self._tick) if t is not None),
                             return_exceptions=True)
        self.rec.connections = self.http.connections_made
        self.http.close()

    async def poll(self) -> list | None:
        """One timer tick's event, now (the timer calls this itself; tests call it directly)."""
        return await self._event("poll", {})

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

    # -- events --------------------------------------------------------------------------------
    async def _event(self, api_name, overrides: dict) -> list | None:
        """Fire an event (its api_name, or a gradio_page.Event) and wait for its answer."""
        ev = self.page.event(api_name) if isinstance(api_name, str) else api_name
        api_name = api_name if isinstance(api_name, str) else f"fn {ev.fn_index}"
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
        self._show(ev, outputs)
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

    # -- the timer and the heartbeat -------------------------------------------------------------
    async def _timer(self) -> None:
        """gr.Timer: a tick every tick_s on a fixed schedule; a tick while a poll is pending is dropped."""
        next_t = time.monotonic() + self.tick_s
        while True:
            await asyncio.sleep(max(0.0, next_t - time.monotonic()))
            next_t += self.tick_s
            if next_t < time.monotonic():  # this process fell behind: setInterval does not catch up either
                next_t = time.monotonic() + self.tick_s
            if self._tick is not None and not self._tick.done():
                self.rec.skipped += 1
                continue
            self.rec.ticks += 1
            self._tick = asyncio.create_task(self.poll())

    async def _heartbeat(self) -> None:
        try:
            async for _ in self.http.stream(f"{self.page.api_prefix}/heartbeat/{self.session_hash}"):
                self.rec.heartbeats += 1
            self.rec.errors.append(f"{self.now():.1f}s heartbeat: the server ended it")
        except (HttpError, OSError, asyncio.IncompleteReadError, ValueError) as e:
            self.rec.errors.append(f"{self.now():.1f}s heartbeat: {type(e).__name__}: {e}")

    # -- what the page shows -----------------------------------------------------------------------
    def _show(self, ev, outputs: list) -> None:
        """Update what the tab shows from an event's outputs ({"__type__": "update"} = unchanged)."""
        def out(elem_id):
            k = self.page.output_index(ev, elem_id)
            if k is None:
                return None
            v = outputs[k]
            if isinstance(v, dict) and v.get("__type__") == "update":
                return v.get("value")
            return v

        status, alerts, picture = out("status"), out("alerts"), out("samples")
        if isinstance(picture, dict) and picture.get("url") and picture["url"] != self._last_file and self.fetch_files:
            self._last_file = picture["url"]
            self._spawn(self._get(self._path(picture["url"]), count=True))
        if status is None or status == self._last_status and alerts is None:
            return
        self._last_status = status
        t, word, step, modes = self.now(), page_text.status_word(status), page_text.status_step(status), None
        if alerts is not None:
            modes = page_text.modes(alerts)
        self.rec.seen.append(Seen(t, word, step, modes))
        if word == "running" and self.rec.running_at is None:
            self.rec.running_at = t
        if self.rec.start_sent is not None:
            if self.rec.quality_at is None and page_text.quality_reached(modes):
                self.rec.quality_at, self.rec.quality_step = t, modes["step"]
            if self.rec.step_target_at is None and step is not None and step >= self.step_target:
                self.rec.step_target_at = t

    def _classify_start(self, outputs: list) -> None:
        ev = self.page.event("start")
        status = outputs[self.page.output_index(ev, "status")]
        notice = outputs[self.page.output_index(ev, "notice")]
        status = status if isinstance(status, str) else ""
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

    async def _get(self, path: str, count: bool = False) -> None:
        try:
            status, _ = await self.http.request("GET", path)
            if status != 200:
                self.rec.errors.append(f"{self.now():.1f}s GET {path[:80]}: HTTP {status}")
            elif count:
                self.rec.files += 1
        except (HttpError, OSError) as e:
            self.rec.errors.append(f"{self.now():.1f}s GET {path[:80]}: {type(e).__name__}: {e}")

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
