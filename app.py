"""GAN Classroom: a Gradio app for teaching GANs. Layout and event wiring only; the engine is gan_core.

Run: python app.py  (then open http://127.0.0.1:7860)
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from gan_core import checkpoint
from live.factory import joins_class, run_factory
from live.serving.sessions import SessionRegistry
from live.single import remote
from ui.board import banner as room_banner
from ui.board import follow
from ui.board import tab as board_tab
from ui.board.room_channel import RoomRoute
from ui.common import AppContext, session_id
from ui.diagnostics import tab as diagnostics_tab
from ui.latent import tab as latent_tab
from ui.lessons import (
    panel as lesson_panel,  # guided lessons, a link's setup, "Share this setup" (issue #18, section 1)
)
from ui.live_view.feed import LiveRoute
from ui.replay import tab as replay_tab  # the Replays tab: recorded runs scrubbed with a slider (issue #18, section 4)
from ui.request_limits import EventRateLimit
from ui.theme import CSS, HEADER
from ui.theory import tab as theory_tab
from ui.train import reconnect
from ui.train import tab as train_tab

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio's queue summarises its last GRADIO_ANALYTICS_MAX_EVENTS events (a pandas DataFrame of all of them) after
# every event it runs, for its monitoring page: ~4 ms at 100 events, ~17 ms at 10,000 on a busy 2-core box, in the
# path of a Start. A class has no use for it each event: every 200th, over the last 2,000.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "200")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "2000")
A11Y_JS = (Path(__file__).with_name("ui") / "a11y.js").read_text()  # names Gradio's pictures-in-buttons lack


def build_demo(ctx: AppContext | None = None) -> gr.Blocks:
    if ctx is None:
        ctx = AppContext(registry=SessionRegistry(trainer_factory=run_factory(), joins_class=joins_class))
        remote.warm_up()  # the run processes' zygote imports torch now, not at the first Start
    with gr.Blocks(title="GAN Classroom", delete_cache=(600, 1800)) as demo:
        gr.Markdown(HEADER, elem_id="header")
        room = room_banner.build(ctx)  # class rooms: hidden unless the page was opened with ?room=
        lessons = lesson_panel.build()  # lessons + a link's setup + "Share this setup", above the tabs
        with gr.Tabs(elem_id="tabs") as tabs:
            train = train_tab.build(ctx)
            latent_tab.build(ctx)
            diagnostics_tab.build(ctx)
            replay_tab.build(ctx)
            theory = theory_tab.build()
            board = board_tab.build(ctx)
        student = room_banner.wire(ctx, room, tabs)  # (class rooms: these two page-load handlers read ?room=)
        demo.load(student["on_load"], None, student["outputs"], show_progress="hidden", api_name="room_join")
        board_tab.wire_page_load(demo, ctx, board, tabs)  # (a teacher link: this page is its room's board)
        # a reloaded page finds its browser's run (ui/train/reconnect.py: a token the browser keeps), and then
        # a link's setup applies (?lesson=, ?preset=, ...: ui/lessons/panel.py), never before it
        back = [train.preset, *train.settings, train.notice, train.live]
        found = demo.load(reconnect.handler(ctx, len(back)), [reconnect.token_box()], back, js=reconnect.TOKEN_JS,
                          show_progress="hidden", api_name="reconnect")
        lesson_panel.wire(demo, lessons, tabs, train, theory, after=found)
        # the room's class experiment on a student's page: the teacher's step, question and assignment
        follow.wire(ctx, room["experiment"], follow.Page(lessons, tabs), train, theory)

        def on_unload(request: gr.Request):
            if not ctx.registry.leave(session_id(request)):  # (a browser's own run waits for a reload)
                ctx.rooms.leave(session_id(request))

        demo.unload(on_unload)
    demo.ctx = ctx  # tests reach the registry through this
    return demo


def launch_options(demo: gr.Blocks) -> dict:
    """What every launch of the app passes (here, the tests, the benchmarks). max_file_size: Gradio
    refuses a larger upload while it arrives, before anything is stored. show_error: a value Gradio
    itself refuses (text where a number goes, over the API) shows its reason, not a bare "Error". The
    middleware answers the live view's polls and the room channel's before Gradio (ui/live_view/feed.py,
    ui/board/room_channel.py) and bounds how fast a tab and an address may send events (ui/request_limits.py)."""
    middleware = [Middleware(LiveRoute, feed=demo.ctx.feed), Middleware(RoomRoute, rooms=demo.ctx.rooms),
                  Middleware(EventRateLimit)]
    # footer: the API docs and "built with Gradio"; not Gradio's own Settings and Runs pages (a student has no
    # use for them, and their icons repeat their link text to a screen reader)
    return dict(css=CSS, max_file_size=checkpoint.MAX_BYTES, show_error=True, app_kwargs={"middleware": middleware},
                footer_links=["api", "gradio"], head=f"<script>{A11Y_JS}</script>")


def main() -> None:
    demo = build_demo()
    demo.queue(default_concurrency_limit=8)
    # Everything built so far lives as long as the server: freeze it out of the garbage collector's
    # full passes, which otherwise walk it all and stall every student's poll at once.
    gc.collect()
    gc.freeze()
    port = int(os.environ.get("PORT", os.environ.get("GRADIO_SERVER_PORT", 7860)))
    demo.launch(server_name=os.environ.get("GRADIO_SERVER_NAME"), server_port=port, **launch_options(demo))


if __name__ == "__main__":
    main()
