"""The Train tab: pick data, model, loss and tricks; Start / Pause / Step / Reset; watch G and D learn.

Wiring only. The components are laid out in ui/train/layout.py, and what each event does is a function
of ui/train/handlers.py. Each browser tab owns one run in `ctx.registry` (keyed by Gradio's session
hash). The live view (ui/live_view) is drawn in the browser: a button's answer sets it to the run's
token and its numbers now, and the page's script then polls live/<token> once a second, outside
Gradio's queue, for what changed. The training thread never waits for the page. The words the page
shows are ui/train/view.py's; widget values <-> RunConfig in ui/train/settings.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import gradio as gr

from gan_core.presets import get_preset
from ui.common import AppContext, bind
from ui.dropdown_pick import picked
from ui.train import handlers, live_fixes, own_data, slow_motion, view
from ui.train.layout import TrainUI, layout
from ui.train.settings import DEFAULT_PRESET, values_from_config


@dataclass(frozen=True)
class TrainHandles:
    """What other parts of the page may set on this tab (the lesson panel, a link's settings)."""
    preset: gr.Dropdown
    settings: list  # one component per ui.train.settings.KEYS, in that order
    preset_info: gr.Markdown
    live: gr.HTML  # the live picture (ui/live_view): its value is {"token", "payload"}
    preview: object  # preview(cfg, request) -> the live view's value for the untrained G, or gr.skip() if a run exists
    notice: gr.Markdown  # the sentence under the buttons (what the last action did)


RUN_COMMANDS_AT_ONCE = 8  # Start / Step / Reset handlers running at once (each holds a Gradio worker thread)

def _wire_run_buttons(ctx: AppContext, ui: TrainUI) -> None:
    """Start / Pause / Step / Reset: each answers the live view's value, the notice and Pause's label."""
    settings = ui.setting_widgets
    shown = [ui.live, ui.notice, ui.pause]
    # Start, Step and Reset make or move runs: 8 at a time, in a queue of their own, so "everyone press Start"
    # does not wait behind thirty pages' load events (the default group), nor they behind it
    runs = dict(concurrency_id="run-commands", concurrency_limit=RUN_COMMANDS_AT_ONCE)
    ui.start.click(bind(handlers.on_start, ctx, ui), [ui.preset, *settings], shown, api_name="start", **runs)
    ui.pause.click(bind(handlers.on_pause, ctx, ui), None, shown, api_name="pause", concurrency_limit=None)
    ui.step.click(bind(handlers.on_step, ctx, ui), [ui.preset, ui.step_mode, ui.step_count, *settings], shown,
                  api_name="step", **runs)
    ui.reset.click(bind(handlers.on_reset, ctx, ui), [ui.preset, *settings], shown, api_name="reset", **runs)


def _wire_export_and_slow_motion(ctx: AppContext, ui: TrainUI) -> None:
    """Export the run's history and picture; slow motion steps the run Step would (ui/train/slow_motion.py)."""
    ui.export.click(bind(handlers.on_export, ctx, ui), None, [ui.downloads], api_name="export")
    slow_motion.wire(ui.slow, ctx.registry, ui.live, functools.partial(handlers.slow_motion_run, ctx, ui),
                     [ui.preset, *ui.setting_widgets], functools.partial(handlers.live_value, ctx))


def _wire_live_settings(ctx: AppContext, ui: TrainUI) -> None:
    """Learning rates, D steps, TTUR and the fixes: applied to the running run at once.

    Live changes come from the student's own input only: a preset or lesson step that sets these widgets
    changes nothing of the running run (its next Start is a new run: handlers.run_for)."""
    w = ui.settings
    on_live = bind(handlers.on_live, ctx, ui)
    live_inputs = [w["lr_g"], w["lr_d"], w["d_steps"]]
    gr.on([w["lr_g"].input, w["lr_d"].input, w["d_steps"].input], on_live, live_inputs, [ui.live, ui.notice],
          api_name="set_live", show_progress="hidden")
    live_fixes.wire(w, ctx.registry, ui.live, ui.notice, functools.partial(handlers.feed_value, ctx))
    # (a lambda, not bind: the event keeps the API name Gradio gave it, "lambda")
    w["ttur"].click(lambda: handlers.ttur_rates(ui), None, [w["lr_g"], w["lr_d"]]).then(
        on_live, live_inputs, [ui.live, ui.notice], show_progress="hidden")


def _wire_choices(ctx: AppContext, ui: TrainUI) -> None:
    """A preset, a dataset (picked, drawn or uploaded) or an objective chosen: the widgets follow."""
    w, settings = ui.settings, ui.setting_widgets
    w["objective"].change(view.explanation, [w["objective"]], [ui.explain])
    # (picked: only a real pick acts, not the `input` Gradio 6 sends on every blur: ui/dropdown_pick.py)
    preset_outputs = [*settings, ui.preset_info, ui.live]
    ui.preset.input(**picked(bind(handlers.on_preset, ctx, ui), "preset", len(preset_outputs)), inputs=[ui.preset],
                    outputs=preset_outputs)
    recommended = [*settings, ui.preset, ui.preset_info, ui.live]
    w["dataset"].input(**picked(bind(handlers.on_dataset, ctx, ui), "dataset", len(recommended)),
                       inputs=[w["dataset"], ui.preset], outputs=recommended)
    own_data.wire(ui.own, w["dataset"], functools.partial(handlers.dataset_chosen, ctx, ui), [ui.preset],
                  recommended)


def build(ctx: AppContext) -> TrainHandles:
    with gr.Tab("Train (live)", id="train", elem_id="tab-train"):
        ui = layout(values_from_config(get_preset(DEFAULT_PRESET)))
    _wire_run_buttons(ctx, ui)
    _wire_live_settings(ctx, ui)
    _wire_choices(ctx, ui)
    _wire_export_and_slow_motion(ctx, ui)
    return TrainHandles(ui.preset, ui.setting_widgets, ui.preset_info, ui.live,
                        functools.partial(handlers.preview, ctx), ui.notice)
