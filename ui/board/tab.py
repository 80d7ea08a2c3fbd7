"""The Class board tab: a teacher opens a room, students train in it, the projector shows every run.

Layout and wiring only; what the board shows is ui/board/view.py, its pictures ui/board/thumbs.py,
rooms live/rooms.py. One gr.Timer (every BOARD_EVERY_S, only once a room is open on this page)
reads the *last* snapshot of each run in the room (no call to any run: each student's own poll
fetched it) and sends one small HTML of thumbnails. A click on a thumbnail puts that run full size
on the projector. The teacher may also start one *class run* that every student can watch.
Opening the app with `?room=CODE&teacher=1` opens that room's board.
"""

from __future__ import annotations

import html
import re

import gradio as gr

from gan_core.errors import CapacityError, ClassroomError, Queued
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.pictures.field_draw import FIELD_LAYERS
from gan_core.presets import describe_preset, get_preset, preset_names
from live.rooms import RoomError, normalize_code
from live.snapshot import Snapshot
from ui.board import view as board_view
from ui.board.thumbs import Thumbnails
from ui.common import AppContext, client_id
from ui.train import view as train_view

BOARD_EVERY_S = 2.0
CLASS_RUN_PRESET = "mnist5k"  # what a class run is for: an image preset the Space cannot train thirty of
INTRO = ("**Class board.** Press **New room** and give the class the link (or the code): every run trained from "
         "it appears here, live, framed by its verdict (green: healthy, orange: not there yet, red: collapse). "
         "Click a run to put it full size on the projector. Runs are anonymous unless a student types a nickname. "
         "A room with no activity for an hour closes.")
_HOST = re.compile(r"[A-Za-z0-9.\-]{1,100}(:[0-9]{1,5})?")


def room_link(request, code: str) -> str:
    """The students' link, from the address this page was opened at (Host is the client's word: it is
    only shown, and only if it looks like a host name); just the query part when it does not."""
    headers = getattr(request, "headers", None) or {}
    host = str(headers.get("x-forwarded-host") or headers.get("host") or "").split(",")[0].strip()
    if not _HOST.fullmatch(host):
        return f"?room={code}"
    scheme = "https" if str(headers.get("x-forwarded-proto", "")).split(",")[0].strip() == "https" else "http"
    return f"{scheme}://{host}/?room={code}"


def room_text(code: str, link: str) -> str:
    return (f"## Room **{code}** · students open **{html.escape(link)}**\nTheir runs appear below once they "
            f"press Start. To show this board on another screen, open the same link with `&teacher=1`.")


def class_run_line(snap: Snapshot | None, note: str = "") -> str:
    if snap is None:
        return note or "No class run yet: pick a preset and press **Start the class run**."
    return train_view.status_line(snap) + (f"  \n{note}" if note else "")


def build(ctx: AppContext) -> dict:
    """The tab; returns what app.py's page-load handler needs (the room state, the timer ...)."""
    with gr.Tab("Class board", id="board", elem_id="tab-board"):
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            new_room = gr.Button("New room", variant="primary", elem_id="board-new", scale=0, min_width=140)
            code_box = gr.Textbox(show_label=False, placeholder="…or open a room by its code, e.g. K7QF",
                                  max_lines=1, max_length=16, elem_id="board-code", scale=1, min_width=160,
                                  container=False)
            open_room = gr.Button("Open", elem_id="board-open", scale=0, min_width=90)
        room_md = gr.Markdown("", elem_id="board-room")
        board = gr.HTML("", elem_id="class-board", css_template=board_view.BOARD_CSS, js_on_load=board_view.BOARD_JS)
        with gr.Column(visible=False, elem_id="board-focus-panel") as focus_panel:
            back = gr.Button("← Back to the whole class", elem_id="board-back", size="sm")
            focus_line = gr.Markdown("", elem_id="board-focus-line")
            focus = gr.Image(show_label=False, type="filepath", height=820, interactive=False,
                             buttons=["fullscreen"], elem_id="board-focus")
        with gr.Accordion("Class run: one run the whole room watches", open=False, elem_id="class-run"):
            gr.Markdown("For image presets, which the Space cannot train thirty of at once: you start one run, "
                        "students tick **Watch the class run** under the room banner and see it live, without "
                        "controls.")
            with gr.Row(equal_height=True):
                class_preset = gr.Dropdown(preset_names(), value=CLASS_RUN_PRESET, label="Preset",
                                           elem_id="class-run-preset", scale=2)
                class_start = gr.Button("▶ Start the class run", variant="primary", elem_id="class-run-start",
                                        scale=1)
                class_pause = gr.Button("Pause / resume", elem_id="class-run-pause", scale=1)
            class_line = gr.Markdown(class_run_line(None), elem_id="class-run-line")
        room = gr.State("")  # the room this page's board shows
        picked = gr.State("")  # the token of the run on the projector ("" = the whole class)
        timer = gr.Timer(BOARD_EVERY_S, active=False)

    thumbs = Thumbnails(focus.GRADIO_CACHE)

    def room_runs(code: str) -> list[tuple]:
        """[(member, run or None)] for the room, dropping members long gone (no IPC: peeks only)."""
        members = ctx.rooms.members(code)
        runs = {m.session: ctx.registry.peek(m.session) for m in members}
        present = {s for s, r in runs.items() if r is not None}
        return [(m, runs.get(m.session)) for m in ctx.rooms.members(code, present=present)]

    def board_now(code: str) -> str:
        entries = [(m, run, None if run is None else run.last_snapshot) for m, run in room_runs(code)]
        urls = thumbs.urls([(m.token, run, snap) for m, run, snap in entries])
        return board_view.board_html([board_view.BoardRun(m.token, m.name, snap, urls.get(m.token))
                                      for m, run, snap in entries])

    def focus_now(code: str, token: str):
        """(picture path or skip, caption) of the run on the projector."""
        session = ctx.rooms.session_for(code, token)
        run = None if session is None else ctx.registry.peek(session)
        snap = None if run is None else run.last_snapshot
        if snap is None:
            return gr.skip(), "This run is gone (its tab closed): back to the whole class."
        name = next((m.name for m in ctx.rooms.members(code) if m.token == token), "")
        path = train_view.picture_file(snap, FIELD_LAYERS, focus.GRADIO_CACHE)
        verdict = board_view.judge(snap)[1]
        line = f"### {html.escape(board_view.caption(board_view.BoardRun(token, name, snap)))}"
        if verdict is not None:
            line += f"  \n{html.escape(verdict.text)}"
        return (gr.skip() if path is None else path), line

    def class_run_now(code: str, note: str = "", fresh: bool = False) -> str:
        """The class run's line; fresh: right after the teacher's own button, not the shared snapshot
        (up to MAX_AGE_S old, it would still say "running" after Pause)."""
        session = ctx.rooms.class_session(code)
        run = None if session is None else ctx.registry.get(session)  # (get: the board keeps it watched)
        snap = None if run is None else (run.snapshot() if fresh else ctx.watched.get(run))
        return class_run_line(snap, note or ctx.registry.queue_note(session or "") or "")

    def show_room(code: str, request: gr.Request):
        return (code, room_text(code, room_link(request, code)), board_now(code), gr.Timer(active=True), code,
                class_run_now(code))

    shown = [room, room_md, board, timer, code_box, class_line]

    def on_new(request: gr.Request):
        try:
            code = ctx.rooms.open()
        except RoomError as e:
            gr.Warning(str(e))
            return (gr.skip(), f"⚠️ {e}") + (gr.skip(),) * (len(shown) - 2)
        return show_room(code, request)

    def on_open(text, request: gr.Request):
        code = normalize_code(text)
        if code is None or not ctx.rooms.exists(code):
            message = ("A room code is 4 to 6 letters and digits, e.g. K7QF." if code is None else
                       f"There is no open room {code} (a room closes after an hour without activity).")
            gr.Warning(message)
            return (gr.skip(), f"⚠️ {message}") + (gr.skip(),) * (len(shown) - 2)
        return show_room(code, request)

    def on_tick(code: str, token: str):
        if not code:
            return gr.skip(), gr.Timer(active=False), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if not ctx.rooms.touch(code):
            return ("", gr.Timer(active=False), f"⚠️ Room {code} has closed (an hour without activity). "
                    "Open a new room.", gr.skip(), gr.skip(), gr.skip())
        session = ctx.rooms.class_session(code)
        class_line_now = class_run_now(code) if ctx.registry.peek(session) is not None else gr.skip()
        if token:  # the projector shows one run: only it is updated
            picture, line = focus_now(code, token)
            return gr.skip(), gr.skip(), gr.skip(), picture, line, class_line_now
        return gr.skip(), gr.skip(), board_now(code), gr.skip(), gr.skip(), class_line_now

    def on_pick(code: str, evt: gr.EventData):
        data = getattr(evt, "_data", None)
        token = data.get("run") if isinstance(data, dict) else None
        if not code or ctx.rooms.session_for(code, token) is None:
            return (gr.skip(),) * 5
        picture, line = focus_now(code, token)
        return token, gr.Column(visible=True), gr.HTML(visible=False), picture, line

    def on_back():
        return "", gr.Column(visible=False), gr.HTML(visible=True)

    def on_class_start(code: str, preset: str, request: gr.Request):
        session = ctx.rooms.class_session(code) if code else None
        if session is None:
            return "⚠️ Open a room first: the class run belongs to a room."
        if preset not in preset_names():
            return "⚠️ Pick one of the presets."
        cfg = get_preset(preset)
        try:
            run = ctx.registry.get(session)
            if run is None or run.cfg != cfg or run.last_status == "error":
                ctx.registry.create(session, cfg, client=client_id(request), metric_fn=live_metrics)
            ctx.registry.start(session)
        except Queued as e:
            return class_run_now(code, str(e))
        except (ClassroomError, ValueError) as e:
            return f"⚠️ {e}"
        return class_run_now(code, describe_preset(preset))

    def on_class_pause(code: str):
        session = ctx.rooms.class_session(code) if code else None
        run = None if session is None else ctx.registry.get(session)
        if run is None:
            return "⚠️ There is no class run to pause: press Start the class run."
        if run.status == "running":
            run.pause()
            return class_run_now(code, fresh=True)
        try:
            ctx.registry.start(session)
        except (Queued, CapacityError) as e:
            return class_run_now(code, str(e), fresh=True)
        return class_run_now(code, fresh=True)

    new_room.click(on_new, None, shown, api_name="board_new_room")
    open_room.click(on_open, [code_box], shown, api_name="board_open_room")
    code_box.submit(on_open, [code_box], shown)
    timer.tick(on_tick, [room, picked], [room, timer, board, focus, focus_line, class_line], api_name="board_poll",
               concurrency_limit=None, show_progress="hidden")
    board.click(on_pick, [room], [picked, focus_panel, board, focus, focus_line], show_progress="hidden")
    back.click(on_back, None, [picked, focus_panel, board], show_progress="hidden")
    class_start.click(on_class_start, [room, class_preset], [class_line], api_name="class_run_start")
    class_pause.click(on_class_pause, [room], [class_line], api_name="class_run_pause")

    def on_load(request: gr.Request):
        """`?room=CODE&teacher=1`: this page is the room's board (the Class board tab, selected)."""
        params = getattr(request, "query_params", None) or {}
        code = normalize_code(params.get("room"))
        if code is None or str(params.get("teacher", ""))[:8] != "1" or not ctx.rooms.exists(code):
            return (gr.skip(),) * (len(shown) + 1)
        return show_room(code, request) + (gr.Tabs(selected="board"),)

    return {"shown": shown, "on_load": on_load}
