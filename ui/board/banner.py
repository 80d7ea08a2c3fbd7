"""What a student sees in a room (`?room=CODE`): a small banner with a nickname box, and the class run.

The banner sits above the tabs and stays hidden unless the page was opened with a room's link. The
student's runs go on in the Train tab as ever; the room only makes them show on the class board.
Ticking "Watch the class run" hides the tabs (and so every control) and shows the teacher's run
live instead: its picture and curves, drawn in the browser (ui/live_view, channel "classrun") from the
numbers a read-only watch token polls; the feed reads the run through the shared snapshot (one call a
second for the whole room, however many watch).

A slow heartbeat (every HEARTBEAT_S, only on a page in a room) tells the room the page is still
open, so a student who has not pressed Start yet keeps their place, while a bare page load (a
hostile client's) holds none for long (live/serving/rooms.ABSENT_DROP_S). It also tells the page when its
room closed, and puts a page that was dropped while away (a laptop asleep) back in the room.

The banner also holds what the teacher's class experiment sends the page (ui/board/follow.py): the room
channel's poll (the member's channel token is set here, at the join), the teacher's notice and the live
question.
"""

from __future__ import annotations

import gradio as gr

from live.serving.rooms import RoomError, normalize_code
from ui.board import follow
from ui.common import AppContext, client_id, plain_markdown, sentence, session_id
from ui.live_view import component as live_view

# a page in a room says it is there every 30 s: four beats to ABSENT_DROP_S, so a hidden tab (whose
# timers the browser may slow to one a minute) keeps its place too
HEARTBEAT_S = 30.0


def banner_text(code: str, name: str) -> str:
    # (a nickname is the student's own text: plain, never Markdown or HTML, on every page that shows it)
    return (f"You are in room **{code}** as **{plain_markdown(name)}**: your run shows on the class board once you "
            "press Start.")


def build(ctx: AppContext) -> dict:
    """The banner and the class-run panel (both hidden); call above gr.Tabs, then `wire`."""
    with gr.Column(visible=False, elem_id="room-banner") as banner:
        with gr.Row(equal_height=True):
            info = gr.Markdown("", elem_id="room-info")
            nickname = gr.Textbox(label="Nickname on the class board (optional; Enter to apply)", max_lines=1,
                                  max_length=40, elem_id="room-nickname", min_width=200)
            watch = gr.Checkbox(False, label="Watch the class run", elem_id="room-watch", min_width=160)
        experiment = follow.layout()
    with gr.Column(visible=False, elem_id="class-run-panel") as panel:
        status = gr.Markdown("**Class run**: your teacher's run, live (untick *Watch the class run* to go back).",
                             elem_id="class-run-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                picture = live_view.picture(None, channel="classrun", elem_id="class-run-live",
                                            status_id="class-run-live-status")
            with gr.Column(scale=1, min_width=300):
                live_view.curves(channel="classrun", elem_id="class-run-curves", alerts_id="class-run-alerts")
    joined = gr.State("")  # the code of the room this page joined (the page's word: checked like any code)
    heartbeat = gr.Timer(HEARTBEAT_S, active=False)
    return dict(banner=banner, info=info, nickname=nickname, watch=watch, panel=panel, status=status,
                picture=picture, joined=joined, heartbeat=heartbeat, experiment=experiment)


def wire(ctx: AppContext, c: dict, tabs: gr.Tabs) -> dict:
    """Events of the banner; returns the page-load handler for app.py's demo.load (joins the room)."""

    def on_load(request: gr.Request):
        params = getattr(request, "query_params", None) or {}
        raw = params.get("room")
        if raw is None or "teacher" in params:  # (a teacher link's page is the board's: it joins nothing)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        code = normalize_code(raw)
        if code is None:
            message = "⚠️ This link's room code is not valid (4 to 6 letters and digits): ask your teacher for it."
            return gr.Column(visible=True), message, gr.skip(), gr.skip(), gr.skip()
        try:
            member = ctx.rooms.join(code, session_id(request), client_id(request))
        except RoomError as e:
            return gr.Column(visible=True), sentence(e), gr.skip(), gr.skip(), gr.skip()
        return (gr.Column(visible=True), banner_text(code, member.name), code, gr.Timer(active=True),
                {"token": member.channel})

    def on_heartbeat(joined: str, request: gr.Request):
        """The page is still open: keep its place; say so if the room closed; rejoin if dropped meanwhile."""
        if ctx.rooms.here(session_id(request)) is not None:
            return gr.skip(), gr.skip(), gr.skip()
        code = normalize_code(joined)
        if code is None:
            return gr.skip(), gr.Timer(active=False), gr.skip()
        try:
            member = ctx.rooms.join(code, session_id(request), client_id(request))
        except RoomError as e:  # (closed, or a code the page made up: counted as a guess like any other)
            return sentence(e), gr.Timer(active=False), gr.skip()
        return banner_text(code, member.name), gr.skip(), {"token": member.channel}  # (a new member: a new channel)

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
        code = ctx.rooms.room_of(session_id(request))
        watching = bool(watching) and code is not None
        value = ctx.feed.watch_value(code) if watching else {"token": None, "payload": None}  # (stops its polls)
        return gr.Column(visible=watching), gr.Tabs(visible=not watching), value

    c["nickname"].submit(on_nickname, [c["nickname"]], [c["info"]], api_name="room_nickname")
    c["nickname"].blur(on_nickname, [c["nickname"]], [c["info"]])
    c["watch"].change(on_watch, [c["watch"]], [c["panel"], tabs, c["picture"]], api_name="class_run_watch")
    channel = c["experiment"].channel
    c["heartbeat"].tick(on_heartbeat, [c["joined"]], [c["info"], c["heartbeat"], channel], api_name="room_heartbeat",
                        concurrency_limit=None, show_progress="hidden")
    return {"on_load": on_load, "outputs": [c["banner"], c["info"], c["joined"], c["heartbeat"], channel]}
