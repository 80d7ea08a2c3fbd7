"""The Replays tab: a recorded training run (shipped in checkpoints/), scrubbed with a slider.

A class on a busy Space follows mnist5k learning without training it thirty times: each slider
position shows what the Train tab showed at that step (the picture, the curves so far, the metrics),
read from `<name>.replay.npz` (gan_core/replay.py) and drawn once per frame (ui/replay/view.py).
Its own tab, not a panel of the Train tab: it needs no run and no session state, and it keeps the
Train tab (busy, and being reworked) as it is. Layout and wiring only.
"""

from __future__ import annotations

import gradio as gr

from ui.common import AppContext, explained
from ui.replay import view
from ui.train.view import png_file

INTRO = ("**Recorded training runs**, shipped with the app: drag the slider through the run and see what the Train "
         "tab showed at each step (the picture, the curves so far, the numbers), without training anything. "
         "Press **Play** to watch it learn.")
NONE_SHIPPED = "No recorded runs were found in checkpoints/ (`bash scripts/record_replays.sh` records them)."
PLAY_EVERY_S = 0.5  # one frame per tick while playing


def _frame(replay, i: int, picture_box: gr.Image, curves_box: gr.Image) -> tuple:
    """(picture file, curves file, metric line) of frame i, from the frame cache."""
    picture_png, curves_png = view.frame_pngs(replay, i)
    return (png_file(picture_png, picture_box.GRADIO_CACHE), png_file(curves_png, curves_box.GRADIO_CACHE),
            view.metric_line(replay, i))


def build(ctx: AppContext) -> gr.Tab:
    menu = view.shipped(ctx.checkpoint_dir)  # name -> title
    first = next(iter(menu), None)
    last_step = view.get_replay(ctx.checkpoint_dir, first).steps[-1] if first else 1
    every = view.get_replay(ctx.checkpoint_dir, first).every if first else 1
    with gr.Tab("Replays", id="replays", elem_id="tab-replays") as tab:
        gr.Markdown(INTRO)
        with gr.Row():
            source = gr.Dropdown(choices=[(f"{name}: {title[:90]}", name) for name, title in menu.items()],
                                 value=first, label="Recorded run", elem_id="replay-source", scale=4)
            play = gr.Button("▶ Play", elem_id="replay-play", scale=1, min_width=100)
        slider = gr.Slider(0, last_step, 0, step=every, label="Training step", elem_id="replay-slider")
        line = gr.Markdown(NONE_SHIPPED if first is None else "", elem_id="replay-step")
        with gr.Row():
            with gr.Column(min_width=300):
                gr.Markdown("**What G makes at this step** (from the same fixed noise in every frame)")
                picture = gr.Image(show_label=False, elem_id="replay-image", format="png", interactive=False,
                                   buttons=["download"])
            with gr.Column(min_width=300):
                gr.Markdown("**The curves up to this step** (faint: the rest of the run)")
                curve_box = gr.Image(show_label=False, elem_id="replay-curves", format="png", interactive=False,
                                     buttons=[])  # (a download button would cover the legend)
        foot = gr.Markdown("", elem_id="replay-about")
        playing = gr.State(False)
        timer = gr.Timer(PLAY_EVERY_S, active=False)

        @explained
        def show(name, value):
            """A replay picked (or the tab opened): its slider range, and the frame nearest `value`."""
            if not name:
                return (gr.skip(),) * 5
            replay = view.get_replay(ctx.checkpoint_dir, name)
            i = view.frame_index(replay, value)
            view.prerender(replay)  # the other frames, in the background: then a slider position is a lookup
            return (gr.Slider(minimum=0, maximum=replay.steps[-1], step=replay.every, value=replay.steps[i]),
                    *_frame(replay, i, picture, curve_box), view.about(replay))

        @explained
        def move(name, value):
            """The slider moved: the hot path (a cache lookup, or one frame drawn)."""
            if not name:
                return gr.skip(), gr.skip(), gr.skip()
            replay = view.get_replay(ctx.checkpoint_dir, name)
            return _frame(replay, view.frame_index(replay, value), picture, curve_box)

        def toggle(is_playing, name, value):
            """Play from here (from the start when at the end), or pause."""
            if is_playing or not name:
                return False, gr.Timer(active=False), gr.Button("▶ Play"), gr.skip()
            replay = view.get_replay(ctx.checkpoint_dir, name)
            at_end = view.frame_index(replay, value) >= replay.n_frames - 1
            return True, gr.Timer(active=True), gr.Button("⏸ Pause"), (0 if at_end else gr.skip())

        @explained
        def tick(name, value):
            """One frame on; at the last frame, stop."""
            if not name:
                return (gr.skip(),) * 4 + (False, gr.Timer(active=False), gr.Button("▶ Play"))
            replay = view.get_replay(ctx.checkpoint_dir, name)
            i = min(view.frame_index(replay, value) + 1, replay.n_frames - 1)
            done = i >= replay.n_frames - 1
            stop = (False, gr.Timer(active=False), gr.Button("▶ Play")) if done else (gr.skip(),) * 3
            return (replay.steps[i], *_frame(replay, i, picture, curve_box), *stop)

        frame_outputs = [picture, curve_box, line]
        source.input(show, [source, slider], [slider, *frame_outputs, foot], api_name="replay_source",
                     show_progress="hidden")
        tab.select(show, [source, slider], [slider, *frame_outputs, foot], api_visibility="private",
                   show_progress="hidden")
        # .input fires while the thumb is dragged (and on a click or a key): the picture follows the drag.
        # always_last drops the positions passed over while one is drawn; queue=False skips the queue's
        # join + event stream, as the latent sliders do (docs/LATENT_LATENCY.md).
        slider.input(move, [source, slider], frame_outputs, api_name="replay_move", show_progress="hidden",
                     queue=False, trigger_mode="always_last")
        play.click(toggle, [playing, source, slider], [playing, timer, play, slider], api_visibility="private",
                   show_progress="hidden")
        timer.tick(tick, [source, slider], [slider, *frame_outputs, playing, timer, play], api_visibility="private",
                   show_progress="hidden", concurrency_limit=None)  # a cached frame: cheap, never queue behind others
    return tab
