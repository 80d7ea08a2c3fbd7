"""The Class board tab: a teacher opens a room, students train in it, the projector shows every run.

Wiring only: the components are laid out in ui/board/layout.py and what each event does is a function
of ui/board/handlers.py; what the board shows is ui/board/view.py, its thumbnails ui/board/thumbs.py,
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

from dataclasses import dataclass

import gradio as gr

from ui.board import experiment, handlers
from ui.board.layout import BoardUI, layout
from ui.board.thumbs import Thumbnails
from ui.common import AppContext, bind
from ui.dropdown_pick import picked


@dataclass(frozen=True)
class Board:
    """The tab as app.py's page-load handler needs it (`wire_page_load`)."""

    ui: BoardUI
    thumbs: Thumbnails  # the runs' thumbnails, drawn once per new snapshot


def _wire_opening(ctx: AppContext, board: Board) -> None:
    """New room, or a pasted teacher link (Open or Enter): this page becomes the room's board."""
    ui = board.ui
    ui.new_room.click(bind(handlers.on_new, ctx, ui, board.thumbs), None, ui.shown, api_name="board_new_room")
    on_open = bind(handlers.on_open, ctx, ui, board.thumbs)
    ui.open_room.click(on_open, [ui.code_box], ui.shown, api_name="board_open_room")
    ui.code_box.submit(on_open, [ui.code_box], ui.shown)


def _wire_board(ctx: AppContext, board: Board) -> None:
    """The board's poll, a click on a run (full size on the projector), and Back to the whole class."""
    ui = board.ui
    ui.timer.tick(bind(handlers.on_tick, ctx, ui, board.thumbs), [ui.room, ui.key, ui.picked],
                  [ui.room, ui.timer, ui.room_md, ui.board, ui.focus, ui.focus_line, ui.class_line, ui.xp.live],
                  api_name="board_poll", concurrency_limit=None, show_progress="hidden")
    ui.board.click(bind(handlers.on_pick, ctx, ui), [ui.room, ui.key],
                   [ui.picked, ui.focus_panel, ui.board, ui.focus, ui.focus_line], api_name="board_pick",
                   show_progress="hidden")
    ui.back.click(bind(handlers.on_back, ui), None, [ui.picked, ui.focus_panel, ui.board, ui.focus],
                  show_progress="hidden")


def _wire_teacher(ctx: AppContext, ui: BoardUI) -> None:
    """The class run's Start and Pause, the results' CSV and Close room: the teacher's key checked on each."""
    ui.class_start.click(bind(handlers.on_class_start, ctx), [ui.room, ui.key, ui.class_preset], [ui.class_line],
                         api_name="class_run_start")
    ui.class_pause.click(bind(handlers.on_class_pause, ctx), [ui.room, ui.key], [ui.class_line],
                         api_name="class_run_pause")
    ui.close_room.click(bind(handlers.on_close, ctx, ui), [ui.room, ui.key], ui.shown, api_name="board_close_room")
    ui.export.click(bind(handlers.on_export, ctx), [ui.room, ui.key], [ui.export_file], api_name="board_export")


def _wire_experiment(ctx: AppContext, ui: BoardUI) -> None:
    """The class experiment: a step picked and sent, a question asked, revealed and closed, variants assigned;
    the teacher's key checked on each (ui/board/experiment.py)."""
    xp, page = ui.xp, [ui.room, ui.key]
    shown = [xp.note, xp.live]
    # (picked: a real pick only, not the `input` Gradio sends on every blur, which would undo the teacher's words)
    step_shown = [xp.question, xp.choices, xp.variants]
    xp.lesson.input(**picked(bind(experiment.on_lesson, xp), "xp-lesson", 4), inputs=[xp.lesson],
                    outputs=[xp.step, *step_shown])
    xp.step.input(**picked(bind(experiment.on_step_pick, xp), "xp-step", 3), inputs=[xp.step, xp.lesson],
                  outputs=step_shown)
    xp.send.click(bind(experiment.on_send, ctx, xp), [*page, xp.lesson, xp.step], shown, api_name="room_send_step")
    xp.ask.click(bind(experiment.on_ask, ctx, xp), [*page, xp.lesson, xp.step, xp.question, xp.choices], shown,
                 api_name="room_ask")
    xp.reveal.click(bind(experiment.on_reveal, ctx, xp), page, shown, api_name="room_reveal")
    xp.close.click(bind(experiment.on_close, ctx, xp), page, shown, api_name="room_close_question")
    xp.assign.click(bind(experiment.on_assign, ctx, xp), [*page, xp.variants], shown, api_name="room_assign")
    xp.picture.click(None, None, None, js=experiment.PICTURE_JS)


def build(ctx: AppContext) -> Board:
    """The tab; app.py then wires the page's load to it (`wire_page_load`)."""
    with gr.Tab("Class board", id="board", elem_id="tab-board"):
        ui = layout()
    board = Board(ui, Thumbnails(ui.board.GRADIO_CACHE))
    _wire_opening(ctx, board)
    _wire_board(ctx, board)
    _wire_teacher(ctx, ui)
    _wire_experiment(ctx, ui)
    return board


def wire_page_load(demo: gr.Blocks, ctx: AppContext, board: Board, tabs: gr.Tabs) -> None:
    """A page opened with the teacher link (`?room=CODE&teacher=<key>`) is the room's board, its tab selected."""
    demo.load(bind(handlers.on_page_load, ctx, board.ui, board.thumbs, tabs), None, [*board.ui.shown, tabs],
              show_progress="hidden", api_name="board_load")
