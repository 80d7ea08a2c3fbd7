"""What a student sees in a room (`?room=CODE`): a small banner with a nickname box, and the class run.

The banner sits above the tabs and stays hidden unless the page was opened with a room's link. The
student's runs go on in the Train tab as ever; the room only makes them show on the class board.
Ticking "Watch the class run" hides the tabs (and so every control) and shows the teacher's run
live instead: its picture and curves, read through the shared snapshot (one call a second for the
whole room, however many watch).

A slow heartbeat (every HEARTBEAT_S, only on a page in a room) tells the room the page is still
open, so a student who has not pressed Start yet keeps their place, while a bare page load (a
hostile client's) holds none for long (live/rooms.ABSENT_DROP_S). It also tells the page when its
room closed, and puts a page that was dropped while away (a laptop asleep) back in the room.
"""

from __future__ import annotations

import threading
import time

import gradio as gr

from gan_core.pictures.field_draw import FIELD_LAYERS
from live.rooms import RoomError, normalize_code
from live.snapshot import Snapshot
from ui.common import AppContext, client_id, plain_markdown, sentence, session_id
from ui.train import view

WATCH_EVERY_S = 1.0
# a page in a room says it is there every 30 s: four beats to ABSENT_DROP_S, so a hidden tab (whose
# timers the browser may slow to one a minute) keeps its place too
HEARTBEAT_S = 30.0


def banner_text(code: str, name: str) -> str:
    # (a nickname is the student's own text: plain, never Markdown or HTML, on every page that shows it)
    return (f"You are in room **{code}** as **{plain_markdown(name)}**: your run shows on the class board once you "
            "press Start.")



_CURVES: dict[str, tuple[int, str | None]] = {}  # class-run session -> (snapshot version, its curves file)
_CURVES_LOCK = threading.Lock()


def _curves_file(session: str, snap: Snapshot, objective: str, folder) -> str | None:
    """The class run's curves as a PNG file, drawn once per snapshot version however many students
    watch it (each poll of each student would otherwise draw the same picture)."""
    with _CURVES_LOCK:
        hit = _CURVES.get(session)
    if hit is not None and hit[0] == snap.version:
        return hit[1]
    image = view.curves_image(snap.history, objective)
    path = None if image is None else view.png_file(image, folder)
    with _CURVES_LOCK:
        _CURVES[session] = (snap.version, path)
        while len(_CURVES) > 64:  # (rooms are capped at 20: old class runs' entries go)
            _CURVES.pop(next(iter(_CURVES)))
    return path


def build(ctx: AppContext) -> dict:
    """The banner and the class-run panel (both hidden); call above gr.Tabs, then `wire`."""
    with gr.Column(visible=False, elem_id="room-banner") as banner:
        with gr.Row(equal_height=True):
            info = gr.Markdown("", elem_id="room-info")
            nickname = gr.Textbox(label="Nickname on the class board (optional; Enter to apply)", max_lines=1,
                                  max_length=40, elem_id="room-nickname", min_width=200)
            watch = gr.Checkbox(False, label="Watch the class run", elem_id="room-watch", min_width=160)
    with gr.Column(visible=False, elem_id="class-run-panel") as panel:
        status = gr.Markdown("The class run has not started yet.", elem_id="class-run-status")
        with gr.Row(equal_height=False):
            picture = gr.Image(show_label=False, type="filepath", height=440, interactive=False,
                               buttons=["fullscreen"], elem_id="class-run-picture")
            curves = gr.Image(show_label=False, type="filepath", height=525, interactive=False,
                              buttons=[], elem_id="class-run-curves")  # (corner buttons would hide the legend)
    seen = gr.State(view.Seen())
    timer = gr.Timer(WATCH_EVERY_S, active=False)
    joined = gr.State("")  # the code of the room this page joined (the page's word: checked like any code)
    heartbeat = gr.Timer(HEARTBEAT_S, active=False)
    return dict(banner=banner, info=info, nickname=nickname, watch=watch, panel=panel, status=status,
                picture=picture, curves=curves, seen=seen, timer=timer, joined=joined, heartbeat=heartbeat)


def wire(ctx: AppContext, c: dict, tabs: gr.Tabs) -> dict:
    """Events of the banner; returns the page-load handler for app.py's demo.load (joins the room)."""

    def on_load(request: gr.Request):
        params = getattr(request, "query_params", None) or {}
        raw = params.get("room")
        if raw is None or "teacher" in params:  # (a teacher link's page is the board's: it joins nothing)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        code = normalize_code(raw)
        if code is None:
            message = "⚠️ This link's room code is not valid (4 to 6 letters and digits): ask your teacher for it."
            return gr.Column(visible=True), message, gr.skip(), gr.skip()
        try:
            member = ctx.rooms.join(code, session_id(request), client_id(request))
        except RoomError as e:
            return gr.Column(visible=True), sentence(e), gr.skip(), gr.skip()
        return gr.Column(visible=True), banner_text(code, member.name), code, gr.Timer(active=True)

    def on_heartbeat(joined: str, request: gr.Request):
        """The page is still open: keep its place; say so if the room closed; rejoin if dropped meanwhile."""
        if ctx.rooms.here(session_id(request)) is not None:
            return gr.skip(), gr.skip()
        code = normalize_code(joined)
        if code is None:
            return gr.skip(), gr.Timer(active=False)
        try:
            member = ctx.rooms.join(code, session_id(request), client_id(request))
        except RoomError as e:  # (closed, or a code the page made up: counted as a guess like any other)
            return sentence(e), gr.Timer(active=False)
        return banner_text(code, member.name), gr.skip()

    def on_nickname(text, request: gr.Request):
        code = ctx.rooms.room_of(session_id(request))
        if not code:
            return gr.skip()
        try:
            name = ctx.rooms.set_nickname(session_id(request), text)
        except RoomError as e:
            return sentence(e)
        member = next((m for m in ctx.rooms.members(code) if m.session == session_id(request)), None)
        return banner_text(code, name or (member.name if member else "anonymous"))

    def on_watch(watching: bool, request: gr.Request):
        watching = bool(watching) and ctx.rooms.room_of(session_id(request)) is not None
        return gr.Column(visible=watching), gr.Tabs(visible=not watching), gr.Timer(active=watching), view.Seen()

    def on_tick(last, request: gr.Request):
        code = ctx.rooms.room_of(session_id(request))  # (the room, not a page's word: it may have closed)
        session = ctx.rooms.class_session(code) if code else None
        run = None if session is None else ctx.registry.peek(session)
        if code is None:
            return ("⚠️ This tab is no longer in a room (it has closed): untick **Watch the class run**.",) + \
                (gr.skip(),) * 3
        if run is None:
            return ("The teacher has not started a class run yet: it appears here when they do.",) + \
                (gr.skip(),) * 3
        snap = ctx.watched.get(run)
        last = last if isinstance(last, view.Seen) else view.Seen()
        if snap.version == last.version:
            return (gr.skip(),) * 4
        path = None
        if snap.visual_step != last.visual_step:
            path = view.picture_file(snap, FIELD_LAYERS, c["picture"].GRADIO_CACHE)
        plots_due = snap.status != "running" or time.monotonic() - last.plots_at >= view.PLOTS_EVERY_S
        curves = gr.skip()
        if plots_due:
            curves = _curves_file(session, snap, run.cfg.loss.objective, c["curves"].GRADIO_CACHE)
        now_seen = view.Seen(snap.version, snap.visual_step, time.monotonic() if plots_due else
                             last.plots_at)
        return (f"**Class run** · {view.status_line(snap)}", gr.skip() if path is None else path, curves, now_seen)

    c["nickname"].submit(on_nickname, [c["nickname"]], [c["info"]], api_name="room_nickname")
    c["nickname"].blur(on_nickname, [c["nickname"]], [c["info"]])
    c["watch"].change(on_watch, [c["watch"]], [c["panel"], tabs, c["timer"], c["seen"]])
    c["timer"].tick(on_tick, [c["seen"]], [c["status"], c["picture"], c["curves"], c["seen"]],
                    api_name="class_run_poll", concurrency_limit=None, show_progress="hidden")
    c["heartbeat"].tick(on_heartbeat, [c["joined"]], [c["info"], c["heartbeat"]], api_name="room_heartbeat",
                        concurrency_limit=None, show_progress="hidden")
    return {"on_load": on_load, "outputs": [c["banner"], c["info"], c["joined"], c["heartbeat"]]}
