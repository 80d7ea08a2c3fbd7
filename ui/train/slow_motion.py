"""Slow motion on the Train tab: one training step of the paused run, played phase by phase.

    [Slow motion] [Skip]          (beside Step)
    caption: "3/10 · D's loss (nonsaturating): 1.29. ..."
    picture: the phase's field (2D) or sample tiles with D's scores (images), where the live picture was

The button asks the run for one slow step (Run.slow_motion: the step count goes one up, the history
gets its row) and gets ten frames back; a short-lived gr.Timer then shows one a SECONDS_PER_PHASE,
drawing each when it is due (~20 ms), and hands the place back to the live picture after the last.
Skip goes straight there. The live view is only hidden meanwhile (still in the page: its script
keeps polling and drawing the curves), so nothing of the Train tab's own wiring changes. Layout and
handlers here; pictures in gan_core/pictures/slow_motion_draw.py; the step in gan_core/slow_motion.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from gan_core.errors import ClassroomError
from gan_core.pictures.slow_motion_draw import frame_picture
from gan_core.slow_motion import PHASES
from ui.common import session_id
from ui.train.view import png_file

SECONDS_PER_PHASE = 1.25
SHOW_CAPTION_JS = """() => {
  const caption = document.getElementById("slow-motion-caption");
  if (!caption) return;
  const r = caption.getBoundingClientRect();
  if (r.top < 0 || r.top > innerHeight - 120) caption.scrollIntoView({ block: "start" });
}"""
RUN_ERRORS = (ClassroomError, ValueError, OverflowError, TimeoutError, KeyError)  # KeyError: the tab closed meanwhile


@dataclass(frozen=True)
class Play:
    """A slow step being shown: its frames and the index of the next one to show."""

    frames: tuple
    next: int = 1


@dataclass
class SlowMotionUI:
    button: gr.Button
    skip: gr.Button
    caption: gr.Markdown | None = None
    picture: gr.Image | None = None
    timer: gr.Timer | None = None
    play: gr.State | None = None


def buttons() -> SlowMotionUI:
    """The buttons, beside Step (call inside the controls column)."""
    with gr.Row(equal_height=True):
        button = gr.Button("Slow motion", elem_id="slow-motion", min_width=80, scale=2)
        skip = gr.Button("Skip »", elem_id="slow-motion-skip", min_width=60, scale=1, visible=False)
    return SlowMotionUI(button, skip)


def panel(ui: SlowMotionUI) -> None:
    """The caption and the phase's picture (call just above the live picture)."""
    ui.caption = gr.Markdown("", elem_id="slow-motion-caption", visible=False)
    ui.picture = gr.Image(None, show_label=False, type="filepath", format="png", height=440, interactive=False,
                          buttons=["download", "fullscreen"], elem_id="slow-motion-picture", visible=False)
    ui.timer = gr.Timer(SECONDS_PER_PHASE, active=False)
    ui.play = gr.State(None)


def summary(frame) -> str:
    """The caption once the step has been shown: what it did, in numbers."""
    n = frame.numbers
    losses = ", ".join(f"{label} {n[k]:.3g}" for k, label in (("d_loss", "D loss"), ("g_loss", "G loss")) if k in n)
    return (f"✓ **Slow motion done**: the run is now at step {frame.step:,} ({losses}). "
            "Press **Slow motion** again for the next step, or **Start** to train on.")


def wire(ui: SlowMotionUI, registry, live_picture: gr.HTML, get_run, inputs: list, live_value) -> None:
    """get_run(request, *inputs) -> the tab's run (created or re-created as Step would); the slow step
    goes through the registry, which holds a training slot for it as for a Step. live_value(request) ->
    the live view's value for the tab's run (a run this made has a token to poll), or gr.skip()."""
    outputs = [ui.caption, ui.picture, live_picture, ui.skip, ui.timer, ui.play]

    def show(play: Play, index: int, value=None):
        frame = play.frames[index]
        path = png_file(frame_picture(frame), ui.picture.GRADIO_CACHE)
        live = gr.HTML(visible="hidden") if value is None else gr.HTML(value, visible="hidden")
        return (gr.Markdown(f"**{frame.caption}**", visible=True), gr.Image(path, visible=True),
                live, gr.Button(visible=True), gr.Timer(active=True), Play(play.frames, index + 1))

    def end(caption: str, value=None):
        live = gr.HTML(visible=True) if value is None else gr.HTML(value, visible=True)
        return (gr.Markdown(caption, visible=True), gr.Image(visible=False), live,
                gr.Button(visible=False), gr.Timer(active=False), None)

    def on_slow_motion(request: gr.Request, *values):
        try:
            # (get_run only once the registry lets this slow step go: a refused loop builds nothing)
            frames = registry.slow_motion(session_id(request), prepare=lambda: get_run(request, *values))
        except RUN_ERRORS as e:  # running (pause first), no slot free, a run that cannot be built, a NaN step undone
            return end(f"⏸ {e}", live_value(request))
        if len(frames) != len(PHASES):
            return end("⚠️ The run did not answer in time: nothing to show (its status says why).",
                       live_value(request))
        return show(Play(tuple(frames)), 0, live_value(request))  # (a run made for it: the page polls it now)

    def on_tick(play):
        if not isinstance(play, Play):  # a tick after the end or a Skip: nothing left to show
            return (gr.skip(),) * 4 + (gr.Timer(active=False), gr.skip())
        if play.next >= len(play.frames):
            return end(summary(play.frames[-1]))
        return show(play, play.next)

    def on_skip(play):
        if not isinstance(play, Play):
            return (gr.skip(),) * 4 + (gr.Timer(active=False), gr.skip())
        return end(summary(play.frames[-1]))

    # the caption into view when it is not (on a phone the picture is far below the button). Not Gradio's
    # scroll_to_output: it scrolled to an output in the controls column, the caption out of view (issue #26)
    ui.button.click(on_slow_motion, inputs, outputs, api_name="slow_motion").then(
        None, None, None, js=SHOW_CAPTION_JS, show_progress="hidden")
    ui.timer.tick(on_tick, [ui.play], outputs, concurrency_limit=None, show_progress="hidden")
    ui.skip.click(on_skip, [ui.play], outputs, concurrency_limit=None, show_progress="hidden")
