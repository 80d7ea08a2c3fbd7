"""The Class board tab's components, laid out, top to bottom:

    [New room] [paste your teacher link ...] [Open]
    Room K7QF · students open ...
    the board: one thumbnail per run          (or one run full size, with ← Back)
    ▾ Class experiment: send a step, ask the class, assign variants (ui/board/experiment_layout.py)
    ▸ Class run: [Preset] [Start] [Pause / resume]
    ▸ 🔒 Teacher link (private) and Close room   (only on the page that opened the room)

Layout only: `layout()` makes every component and returns them by name (`BoardUI`); the handlers are
ui/board/handlers.py, the wiring ui/board/tab.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from gan_core.presets import preset_names
from live.snapshot import Snapshot
from ui.board import experiment_layout
from ui.board import view as board_view
from ui.board.experiment_layout import ExperimentUI
from ui.live_view import component as live_view
from ui.train import view as train_view

BOARD_EVERY_S = 2.0
CLASS_RUN_PRESET = "mnist5k"  # what a class run is for: an image preset the Space cannot train thirty of
INTRO = ("**Class board.** Press **New room** and give the class the link (or the code): every run trained from "
         "it appears here, live, framed by its verdict (green: healthy, orange: not there yet, red: collapse). "
         "Click a run to put it full size on the projector. Runs are anonymous unless a student types a nickname. "
         "A room closes when you close it, or after an hour without activity (students joining or training, "
         "you working the board).")
CLASS_RUN_NOTE = ("For image presets, which the Space cannot train thirty of at once: you start one run, students "
                  "tick **Watch the class run** under the room banner and see it live, without controls.")
TEACHER_NOTE = ("**Keep this link to yourself**: it opens this room's board (paste it in the box above, or open it "
                "on another screen), runs the class run and closes the room. Students only need the link above, "
                "with the code alone. Do not project this part.")


def class_run_line(snap: Snapshot | None, note: str = "") -> str:
    if snap is None:
        return note or "No class run yet: pick a preset and press **Start the class run**."
    return train_view.status_line(snap) + (f"  \n{note}" if note else "")


@dataclass(frozen=True)
class BoardUI:
    """Every component the Class board's handlers read or set, by name."""

    new_room: gr.Button
    code_box: gr.Textbox  # where a teacher pastes their teacher link
    open_room: gr.Button
    room_md: gr.Markdown  # the room's line (code and students' link), or why not
    board: gr.HTML  # the thumbnails (ui/board/view.py)
    focus_panel: gr.Column  # one run full size on the projector, instead of the board
    back: gr.Button
    focus_line: gr.Markdown
    focus: gr.HTML  # the run's live view, drawn in the browser (ui/live_view, channel "focus")
    class_preset: gr.Dropdown
    class_start: gr.Button
    class_pause: gr.Button
    class_line: gr.Markdown  # the class run's status
    teacher_panel: gr.Accordion  # the teacher link and Close room: only on a page that opened the room
    teacher_box: gr.Textbox
    export: gr.Button  # the room's results as a CSV (ui/board/results.py)
    export_file: gr.File
    close_room: gr.Button
    xp: ExperimentUI  # the class experiment: a step sent, a question asked, variants assigned and measured
    room: gr.State  # the room this page's board shows
    key: gr.State  # its teacher key (checked again on every call)
    picked: gr.State  # the token of the run on the projector ("" = the whole class)
    timer: gr.Timer  # the board's poll, active only while a room is open on this page

    @property
    def shown(self) -> list:
        """What opening or closing a room sets (the outputs of New room, Open, Close room and the page's load)."""
        return [self.room, self.key, self.room_md, self.board, self.timer, self.code_box, self.class_line,
                self.teacher_panel, self.teacher_box, self.xp.live]


def _room_bar() -> dict:
    """New room, the box for a teacher link, Open: {name: component}."""
    with gr.Row(equal_height=False):
        new_room = gr.Button("New room", variant="primary", elem_id="board-new", scale=0, min_width=140)
        code_box = gr.Textbox(show_label=False, placeholder="…or paste your teacher link to open your room's board",
                              max_lines=1, max_length=400, elem_id="board-code", scale=1, min_width=160,
                              container=False)
        open_room = gr.Button("Open", elem_id="board-open", scale=0, min_width=90)
    return dict(new_room=new_room, code_box=code_box, open_room=open_room)


def _board_and_focus() -> dict:
    """The room's line, the board, and the panel that shows one run full size: {name: component}."""
    room_md = gr.Markdown("", elem_id="board-room")
    board = gr.HTML("", elem_id="class-board", css_template=board_view.BOARD_CSS,
                    js_on_load=live_view.script() + board_view.BOARD_JS)
    with gr.Column(visible=False, elem_id="board-focus-panel") as focus_panel:
        back = gr.Button("← Back to the whole class", elem_id="board-back", size="sm")
        focus_line = gr.Markdown("", elem_id="board-focus-line")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                focus = live_view.picture(None, channel="focus", elem_id="board-focus", status_id="board-focus-status")
            with gr.Column(scale=2, min_width=320):
                live_view.curves(channel="focus", elem_id="board-focus-curves", alerts_id="board-focus-alerts")
    return dict(room_md=room_md, board=board, focus_panel=focus_panel, back=back, focus_line=focus_line,
                focus=focus)


def _class_run() -> dict:
    """The class run's preset, Start, Pause and status line: {name: component}."""
    with gr.Accordion("Class run: one run the whole room watches", open=False, elem_id="class-run"):
        gr.Markdown(CLASS_RUN_NOTE)
        with gr.Row(equal_height=True):
            class_preset = gr.Dropdown(preset_names(), value=CLASS_RUN_PRESET, label="Preset",
                                       elem_id="class-run-preset", scale=2)
            class_start = gr.Button("▶ Start the class run", variant="primary", elem_id="class-run-start", scale=1)
            class_pause = gr.Button("Pause / resume", elem_id="class-run-pause", scale=1)
        class_line = gr.Markdown(class_run_line(None), elem_id="class-run-line")
    return dict(class_preset=class_preset, class_start=class_start, class_pause=class_pause, class_line=class_line)


def _teacher_panel() -> dict:
    """The teacher link and Close room: folded, so a projected board does not show the key; visible only
    on a page that opened the room. {name: component}."""
    with gr.Accordion("🔒 Teacher link (private), the room's results and Close room", open=False, visible=False,
                      elem_id="board-teacher") as teacher_panel:
        gr.Markdown(TEACHER_NOTE)
        teacher_box = gr.Textbox(show_label=False, interactive=False, buttons=["copy"], max_lines=1,
                                 elem_id="board-teacher-link", container=False)
        with gr.Row():
            export = gr.Button("⬇ Results as CSV", elem_id="board-export", size="sm", scale=0, min_width=160)
            close_room = gr.Button("Close room", variant="stop", elem_id="board-close", size="sm", scale=0,
                                   min_width=140)
        export_file = gr.File(label="The room's results (one row a run: name, preset, seed, steps, coverage, "
                                    "verdict)", visible=False, interactive=False, elem_id="board-export-file")
    return dict(teacher_panel=teacher_panel, teacher_box=teacher_box, export=export, export_file=export_file,
                close_room=close_room)


def layout() -> BoardUI:
    """The tab's components, and the page's state for its board (call inside the gr.Tab)."""
    gr.Markdown(INTRO)
    parts = {**_room_bar(), **_board_and_focus()}
    parts["xp"] = experiment_layout.layout()
    parts.update(**_class_run(), **_teacher_panel())
    return BoardUI(**parts, room=gr.State(""), key=gr.State(""), picked=gr.State(""),
                   timer=gr.Timer(BOARD_EVERY_S, active=False))
