"""What the Class board's buttons, poll and clicks do: one function per event, each answering a dict
{component: new value} of the components it changes (the rest stay as they are).

Each takes the app context and the tab's components (`BoardUI`, ui/board/layout.py) first, bound by
ui/board/tab.py; the board's thumbnails come from `thumbs` (ui/board/thumbs.py). The teacher owns
the room: every call that shows or works the board checks the page's teacher key again (`teacher_of`):
the room may have closed meanwhile, on another of the teacher's screens.
"""

from __future__ import annotations

import html

import gradio as gr

from gan_core.errors import CapacityError, ClassroomError, Queued
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.presets import describe_preset, get_preset, preset_names
from live.serving.rooms import RoomError, normalize_code, normalize_key
from ui import temp_files
from ui.board import view as board_view
from ui.board.experiment import OPEN_FIRST, experiment_now
from ui.board.layout import BoardUI, class_run_line
from ui.board.links import pasted_key, room_link, teacher_link
from ui.board.results import MemberResult, results_csv
from ui.board.thumbs import Thumbnails
from ui.common import AppContext, client_id, plain_markdown, sentence

NEEDS_TEACHER_LINK = ("the code alone lets students join room {code}; its board needs the teacher link that New room "
                      "showed (…?room={code}&teacher=…).")
PASTE_TEACHER_LINK = ("paste the teacher link that New room showed (…?room=K7QF&teacher=…) to open your room's "
                      "board.")


def room_text(code: str, link: str) -> str:
    return (f"## Room **{code}** · students open **{html.escape(link)}**\nTheir runs appear below once they "
            "press Start. To show this board on another screen, open your teacher link there (under "
            "**Teacher link**, below the board).")


# -- what the handlers share ------------------------------------------------------------------------

def teacher_of(ctx: AppContext, code, key_text, request, act: bool = True) -> str:
    """The room's code if this is its teacher key, else RoomError with the sentence to show."""
    code = normalize_code(code)
    if code is None:
        raise RoomError(OPEN_FIRST)
    return ctx.rooms.teacher(code, key_text, client_id(request), act=act)


def room_runs(ctx: AppContext, code: str) -> list[tuple]:
    """[(member, run or None)] for the room (no IPC: peeks only; members long gone are dropped)."""
    return [(m, ctx.registry.peek(m.session)) for m in ctx.rooms.members(code)]


def board_now(ctx: AppContext, thumbs: Thumbnails, code: str) -> str:
    """The board's HTML: every member of the room, with its run's last snapshot and thumbnail (and, during a
    class experiment, the variant it was assigned after its name: "Run 3 · ring8-collapse+ttur")."""
    entries = [(m, run, None if run is None else run.last_snapshot) for m, run in room_runs(ctx, code)]
    pictures = thumbs.pictures([(m.token, run, snap) for m, run, snap in entries])
    view = ctx.rooms.experiment(code)
    slots = view.slots if view is not None else {}
    return board_view.board_html([
        board_view.BoardRun(m.token, m.name + (f" · {slots[m.token].variant}" if m.token in slots else ""), snap,
                            pictures.get(m.token)) for m, run, snap in entries])


def focus_now(ctx: AppContext, ui: BoardUI, code: str, token: str) -> dict:
    """The caption of the run on the projector (its picture and curves poll by themselves: on_pick)."""
    session = ctx.rooms.session_for(code, token)
    run = None if session is None else ctx.registry.peek(session)
    snap = None if run is None else run.last_snapshot
    if snap is None:
        return {ui.focus_line: "This run is gone (its tab closed): back to the whole class."}
    name = next((m.name for m in ctx.rooms.members(code) if m.token == token), "")
    verdict = board_view.judge(snap)[1]
    # (the caption holds a student's nickname: plain text, never Markdown or HTML)
    line = f"### {plain_markdown(board_view.caption(board_view.BoardRun(token, name, snap)))}"
    if verdict is not None:
        line += f"  \n{html.escape(verdict.text)}"
    return {ui.focus_line: line}


def class_run_now(ctx: AppContext, code: str, note: str = "", fresh: bool = False) -> str:
    """The class run's line; fresh: right after the teacher's own button, not the shared snapshot
    (up to MAX_AGE_S old, it would still say "running" after Pause)."""
    session = ctx.rooms.class_session(code)
    run = None if session is None else ctx.registry.get(session)  # (get: the board keeps it watched)
    snap = None if run is None else (run.snapshot() if fresh else ctx.watched.get(run))
    return class_run_line(snap, note or ctx.registry.queue_note(session or "") or "")


def show_room(ctx: AppContext, ui: BoardUI, thumbs: Thumbnails, code: str, key_text: str, request) -> dict:
    """This page is now room `code`'s board (its teacher's key checked): everything in `ui.shown`."""
    return {ui.room: code, ui.key: key_text, ui.room_md: room_text(code, room_link(request, code)),
            ui.board: board_now(ctx, thumbs, code), ui.timer: gr.Timer(active=True), ui.code_box: "",
            ui.class_line: class_run_now(ctx, code), ui.teacher_panel: gr.Accordion(visible=True),
            ui.teacher_box: teacher_link(request, code, key_text), ui.xp.live: experiment_now(ctx, code)}


def refused(ui: BoardUI, message: str) -> dict:
    gr.Warning(message)
    return {ui.room_md: sentence(message)}


# -- opening and closing a room ------------------------------------------------------------------------

def on_new(ctx: AppContext, ui: BoardUI, thumbs: Thumbnails, request: gr.Request) -> dict:
    try:
        made = ctx.rooms.open(client_id(request))
    except RoomError as e:
        return refused(ui, str(e))
    return show_room(ctx, ui, thumbs, made.code, made.key, request)


def on_open(ctx: AppContext, ui: BoardUI, thumbs: Thumbnails, text, request: gr.Request) -> dict:
    """A pasted teacher link (or its key alone) opens its room's board; the code alone does not."""
    code, key_text = pasted_key(text)
    if key_text is None:
        return refused(ui, PASTE_TEACHER_LINK if code is None else NEEDS_TEACHER_LINK.format(code=code))
    try:
        code = ctx.rooms.teacher(code, key_text, client_id(request))
    except RoomError as e:
        return refused(ui, str(e))
    return show_room(ctx, ui, thumbs, code, key_text, request)


def on_close(ctx: AppContext, ui: BoardUI, code: str, key_text: str, request: gr.Request) -> dict:
    code = normalize_code(code)
    try:
        if code is None:
            raise RoomError(OPEN_FIRST)
        class_session = ctx.rooms.close(code, key_text, client_id(request))
    except RoomError as e:
        return refused(ui, str(e))
    ctx.registry.close(class_session)  # (the room's class run ends with it)
    return {ui.room: "", ui.key: "", ui.room_md: (f"Room **{code}** is closed: its students' pages say so, and their "
                                                  "runs go on without a board. Press **New room** for another."),
            ui.board: "", ui.timer: gr.Timer(active=False), ui.code_box: "", ui.class_line: class_run_line(None),
            ui.teacher_panel: gr.Accordion(visible=False), ui.teacher_box: "", ui.xp.live: ""}


def on_page_load(ctx: AppContext, ui: BoardUI, thumbs: Thumbnails, tabs: gr.Tabs, request: gr.Request) -> dict:
    """`?room=CODE&teacher=<key>`: this page is the room's board (the Class board tab, selected).
    A wrong key (or the old `teacher=1`) shows a sentence there instead, and joins nothing."""
    params = getattr(request, "query_params", None) or {}
    if "teacher" not in params or "room" not in params:
        return gr.skip()
    code = normalize_code(params.get("room"))
    try:
        if code is None:
            raise RoomError("this teacher link's room code is not valid (4 to 6 letters and digits).")
        code = ctx.rooms.teacher(code, params.get("teacher"), client_id(request))
    except RoomError as e:
        return {ui.room_md: sentence(e), tabs: gr.Tabs(selected="board")}
    return {**show_room(ctx, ui, thumbs, code, normalize_key(params.get("teacher")), request),
            tabs: gr.Tabs(selected="board")}


# -- the board: its poll, a click on a run, Back ----------------------------------------------------------

def on_tick(ctx: AppContext, ui: BoardUI, thumbs: Thumbnails, code: str, key_text: str, token: str,
            request: gr.Request) -> dict:
    """The board's poll: the thumbnails, or the run on the projector, and the class run's line."""
    if not code:
        return {ui.timer: gr.Timer(active=False)}
    try:
        code = teacher_of(ctx, code, key_text, request, act=False)  # (looking on is not activity)
    except RoomError as e:  # closed, or not this room's key: the page stops polling
        return {ui.room: "", ui.timer: gr.Timer(active=False), ui.room_md: sentence(e), ui.board: ""}
    session = ctx.rooms.class_session(code)
    class_line = class_run_now(ctx, code) if ctx.registry.peek(session) is not None else gr.skip()
    if token:  # the projector shows one run: only it is updated
        return {**focus_now(ctx, ui, code, token), ui.class_line: class_line}
    return {ui.board: board_now(ctx, thumbs, code), ui.class_line: class_line, ui.xp.live: experiment_now(ctx, code)}


def on_pick(ctx: AppContext, ui: BoardUI, code: str, key_text: str, evt: gr.EventData, request: gr.Request) -> dict:
    """A click on a run's thumbnail: that run full size on the projector."""
    data = getattr(evt, "_data", None)
    token = data.get("run") if isinstance(data, dict) else None
    try:
        code = teacher_of(ctx, code, key_text, request)
    except RoomError:
        return gr.skip()
    if ctx.rooms.session_for(code, token) is None:
        return gr.skip()
    return {ui.picked: token, ui.focus_panel: gr.Column(visible=True), ui.board: gr.HTML(visible=False),
            ui.focus: ctx.feed.focus_value(code, token), **focus_now(ctx, ui, code, token)}


def on_back(ui: BoardUI) -> dict:
    """The whole class again; the projector's view stops polling (no token)."""
    return {ui.picked: "", ui.focus_panel: gr.Column(visible=False), ui.board: gr.HTML(visible=True),
            ui.focus: {"token": None, "payload": None}}


# -- the class run -------------------------------------------------------------------------------------

def on_class_start(ctx: AppContext, code: str, key_text: str, preset: str, request: gr.Request) -> str:
    """The class run's line, after (re)making the room's class run of `preset` and starting it."""
    try:
        code = teacher_of(ctx, code, key_text, request)
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
        return class_run_now(ctx, code, str(e))
    except (ClassroomError, ValueError) as e:
        return f"⚠️ {e}"
    return class_run_now(ctx, code, describe_preset(preset))


def on_class_pause(ctx: AppContext, code: str, key_text: str, request: gr.Request) -> str:
    """The class run's line, after pausing it (or resuming it when it was paused)."""
    try:
        code = teacher_of(ctx, code, key_text, request)
    except RoomError as e:
        return sentence(e)
    session = ctx.rooms.class_session(code)
    run = None if session is None else ctx.registry.get(session)
    if run is None:
        return "⚠️ There is no class run to pause: press Start the class run."
    if run.status == "running":
        run.pause()
        return class_run_now(ctx, code, fresh=True)
    try:
        ctx.registry.start(session)
    except (Queued, CapacityError) as e:
        return class_run_now(ctx, code, str(e), fresh=True)
    return class_run_now(ctx, code, fresh=True)


# -- the room's results ------------------------------------------------------------------------------

def room_results(ctx: AppContext, code: str) -> list[MemberResult]:
    """Every member of the room with its run's last snapshot (no IPC) and its assigned variant, in the board's order."""
    results = []
    view = ctx.rooms.experiment(code)
    slots = view.slots if view is not None else {}
    for m, run in room_runs(ctx, code):
        seed = None if run is None else run.cfg.train.seed
        slot = slots.get(m.token)
        results.append(MemberResult(m.name, ctx.registry.made_from(m.session) if run is not None else None, seed,
                                    None if run is None else run.last_snapshot,
                                    slot.variant if slot is not None else None))
    return results


def on_export(ctx: AppContext, code: str, key_text: str, request: gr.Request):
    """The room's results as a CSV file to download (the teacher's key checked), or a warning."""
    try:
        code = teacher_of(ctx, code, key_text, request)
    except RoomError as e:
        gr.Warning(str(e))
        return gr.skip()
    path = temp_files.folder("room-results") / f"room-{code}-results.csv"
    path.write_text(results_csv(room_results(ctx, code)), encoding="utf-8")
    return gr.File(value=str(path), visible=True)
