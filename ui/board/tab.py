"""The Class board tab: a teacher opens a room, students train in it, the projector shows every run.

Layout and wiring only; what the board shows is ui/board/view.py, its thumbnails ui/board/thumbs.py,
the links ui/board/links.py, rooms live/serving/rooms.py. One gr.Timer (every BOARD_EVERY_S, only once a room
is open on this page) reads the *last* snapshot of each run in the room (no call to any run: each
student's own poll fetched it) and sends one small HTML of thumbnails. A click on a thumbnail puts
that run full size on the projector. The teacher may also start one *class run* that every student
can watch, and close the room.

The teacher owns the room: New room gives a teacher link (`?room=CODE&teacher=<key>`), shown only on
this page, folded away from the projector. A page's room and key are server-side state, set only by
New room, a pasted teacher link or a page opened with it; the board, its clicks, the class run's
controls and Close room check the key again on every call all the same (the room may have closed, on
another of the teacher's screens). The code alone, which every student sees, only joins.
"""

from __future__ import annotations

import html

import gradio as gr

from gan_core.errors import CapacityError, ClassroomError, Queued
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.pictures.field_draw import FIELD_LAYERS
from gan_core.presets import describe_preset, get_preset, preset_names
from live.serving.rooms import RoomError, normalize_code, normalize_key
from live.snapshot import Snapshot
from ui.board import view as board_view
from ui.board.links import pasted_key, room_link, teacher_link
from ui.board.thumbs import Thumbnails
from ui.common import AppContext, client_id, plain_markdown, sentence
from ui.live_view import component as live_view
from ui.train import view as train_view

BOARD_EVERY_S = 2.0
CLASS_RUN_PRESET = "mnist5k"  # what a class run is for: an image preset the Space cannot train thirty of
INTRO = ("**Class board.** Press **New room** and give the class the link (or the code): every run trained from "
         "it appears here, live, framed by its verdict (green: healthy, orange: not there yet, red: collapse). "
         "Click a run to put it full size on the projector. Runs are anonymous unless a student types a nickname. "
         "A room closes when you close it, or after an hour without activity (students joining or training, "
         "you working the board).")
TEACHER_NOTE = ("**Keep this link to yourself**: it opens this room's board (paste it in the box above, or open it "
                "on another screen), runs the class run and closes the room. Students only need the link above, "
                "with the code alone. Do not project this part.")
NEEDS_TEACHER_LINK = ("the code alone lets students join room {code}; its board needs the teacher link that New room "
                      "showed (…?room={code}&teacher=…).")
OPEN_FIRST = "open a room first: New room, or paste your teacher link in the box."
PASTE_TEACHER_LINK = ("paste the teacher link that New room showed (…?room=K7QF&teacher=…) to open your room's "
                      "board.")


def room_text(code: str, link: str) -> str:
    return (f"## Room **{code}** · students open **{html.escape(link)}**\nTheir runs appear below once they "
            "press Start. To show this board on another screen, open your teacher link there (under "
            "**Teacher link**, below the board).")


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
            code_box = gr.Textbox(show_label=False,
                                  placeholder="…or paste your teacher link to open your room's board",
                                  max_lines=1, max_length=400, elem_id="board-code", scale=1, min_width=160,
                                  container=False)
            open_room = gr.Button("Open", elem_id="board-open", scale=0, min_width=90)
        room_md = gr.Markdown("", elem_id="board-room")
        board = gr.HTML("", elem_id="class-board", css_template=board_view.BOARD_CSS,
                        js_on_load=live_view.script() + board_view.BOARD_JS)
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
        # folded, so a projected board does not show the key; visible only on a page that opened the room
        with gr.Accordion("🔒 Teacher link (private) and Close room", open=False, visible=False,
                          elem_id="board-teacher") as teacher_panel:
            gr.Markdown(TEACHER_NOTE)
            teacher_box = gr.Textbox(show_label=False, interactive=False, buttons=["copy"], max_lines=1,
                                     elem_id="board-teacher-link", container=False)
            with gr.Row():
                close_room = gr.Button("Close room", variant="stop", elem_id="board-close", size="sm", scale=0,
                                       min_width=140)
        room = gr.State("")  # the room this page's board shows
        key = gr.State("")  # its teacher key (checked again on every call)
        picked = gr.State("")  # the token of the run on the projector ("" = the whole class)
        timer = gr.Timer(BOARD_EVERY_S, active=False)

    thumbs = Thumbnails(focus.GRADIO_CACHE)

    def teacher_of(code, key_text, request, act: bool = True) -> str:
        """The room's code if this is its teacher key, else RoomError with the sentence to show."""
        code = normalize_code(code)
        if code is None:
            raise RoomError(OPEN_FIRST)
        return ctx.rooms.teacher(code, key_text, client_id(request), act=act)

    def room_runs(code: str) -> list[tuple]:
        """[(member, run or None)] for the room (no IPC: peeks only; members long gone are dropped)."""
        return [(m, ctx.registry.peek(m.session)) for m in ctx.rooms.members(code)]

    def board_now(code: str) -> str:
        entries = [(m, run, None if run is None else run.last_snapshot) for m, run in room_runs(code)]
        pictures = thumbs.pictures([(m.token, run, snap) for m, run, snap in entries])
        return board_view.board_html([board_view.BoardRun(m.token, m.name, snap, pictures.get(m.token))
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
        # (the caption holds a student's nickname: plain text, never Markdown or HTML)
        line = f"### {plain_markdown(board_view.caption(board_view.BoardRun(token, name, snap)))}"
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

    shown = [room, key, room_md, board, timer, code_box, class_line, teacher_panel, teacher_box]

    def show_room(code: str, key_text: str, request: gr.Request):
        return (code, key_text, room_text(code, room_link(request, code)), board_now(code), gr.Timer(active=True),
                "", class_run_now(code), gr.Accordion(visible=True), teacher_link(request, code, key_text))

    def refused(message: str) -> tuple:
        gr.Warning(message)
        return (gr.skip(), gr.skip(), sentence(message)) + (gr.skip(),) * (len(shown) - 3)

    def on_new(request: gr.Request):
        try:
            made = ctx.rooms.open(client_id(request))
        except RoomError as e:
            return refused(str(e))
        return show_room(made.code, made.key, request)

    def on_open(text, request: gr.Request):
        code, key_text = pasted_key(text)
        if key_text is None:
            return refused(PASTE_TEACHER_LINK if code is None else NEEDS_TEACHER_LINK.format(code=code))
        try:
            code = ctx.rooms.teacher(code, key_text, client_id(request))
        except RoomError as e:
            return refused(str(e))
        return show_room(code, key_text, request)

    def on_tick(code: str, key_text: str, token: str, request: gr.Request):
        if not code:
            return gr.skip(), gr.Timer(active=False), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            code = teacher_of(code, key_text, request, act=False)  # (looking on is not activity)
        except RoomError as e:  # closed, or not this room's key: the page stops polling
            return "", gr.Timer(active=False), sentence(e), "", gr.skip(), gr.skip(), gr.skip()
        session = ctx.rooms.class_session(code)
        class_line_now = class_run_now(code) if ctx.registry.peek(session) is not None else gr.skip()
        if token:  # the projector shows one run: only it is updated
            picture, line = focus_now(code, token)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), picture, line, class_line_now
        return gr.skip(), gr.skip(), gr.skip(), board_now(code), gr.skip(), gr.skip(), class_line_now

    def on_pick(code: str, key_text: str, evt: gr.EventData, request: gr.Request):
        data = getattr(evt, "_data", None)
        token = data.get("run") if isinstance(data, dict) else None
        try:
            code = teacher_of(code, key_text, request)
        except RoomError:
            return (gr.skip(),) * 5
        if ctx.rooms.session_for(code, token) is None:
            return (gr.skip(),) * 5
        picture, line = focus_now(code, token)
        return token, gr.Column(visible=True), gr.HTML(visible=False), picture, line

    def on_back():
        return "", gr.Column(visible=False), gr.HTML(visible=True)

    def on_class_start(code: str, key_text: str, preset: str, request: gr.Request):
        try:
            code = teacher_of(code, key_text, request)
        except RoomError as e:
            return sentence(e)
        session = ctx.rooms.class_session(code)
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

    def on_class_pause(code: str, key_text: str, request: gr.Request):
        try:
            code = teacher_of(code, key_text, request)
        except RoomError as e:
            return sentence(e)
        session = ctx.rooms.class_session(code)
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

    def on_close(code: str, key_text: str, request: gr.Request):
        code = normalize_code(code)
        try:
            if code is None:
                raise RoomError(OPEN_FIRST)
            class_session = ctx.rooms.close(code, key_text, client_id(request))
        except RoomError as e:
            return refused(str(e))
        ctx.registry.close(class_session)  # (the room's class run ends with it)
        return ("", "", f"Room **{code}** is closed: its students' pages say so, and their runs go on without a "
                "board. Press **New room** for another.", "", gr.Timer(active=False), "", class_run_line(None),
                gr.Accordion(visible=False), "")

    new_room.click(on_new, None, shown, api_name="board_new_room")
    open_room.click(on_open, [code_box], shown, api_name="board_open_room")
    code_box.submit(on_open, [code_box], shown)
    timer.tick(on_tick, [room, key, picked], [room, timer, room_md, board, focus, focus_line, class_line],
               api_name="board_poll", concurrency_limit=None, show_progress="hidden")
    board.click(on_pick, [room, key], [picked, focus_panel, board, focus, focus_line], api_name="board_pick",
                show_progress="hidden")
    back.click(on_back, None, [picked, focus_panel, board], show_progress="hidden")
    class_start.click(on_class_start, [room, key, class_preset], [class_line], api_name="class_run_start")
    class_pause.click(on_class_pause, [room, key], [class_line], api_name="class_run_pause")
    close_room.click(on_close, [room, key], shown, api_name="board_close_room")

    def on_load(request: gr.Request):
        """`?room=CODE&teacher=<key>`: this page is the room's board (the Class board tab, selected).
        A wrong key (or the old `teacher=1`) shows a sentence there instead, and joins nothing."""
        params = getattr(request, "query_params", None) or {}
        if "teacher" not in params or "room" not in params:
            return (gr.skip(),) * (len(shown) + 1)
        code = normalize_code(params.get("room"))
        try:
            if code is None:
                raise RoomError("this teacher link's room code is not valid (4 to 6 letters and digits).")
            code = ctx.rooms.teacher(code, params.get("teacher"), client_id(request))
        except RoomError as e:
            return (gr.skip(), gr.skip(), sentence(e)) + (gr.skip(),) * (len(shown) - 3) + (gr.Tabs(selected="board"),)
        return show_room(code, normalize_key(params.get("teacher")), request) + (gr.Tabs(selected="board"),)

    return {"shown": shown, "on_load": on_load}
