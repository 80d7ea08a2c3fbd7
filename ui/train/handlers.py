"""What the Train tab's buttons and settings do: one function per event, each answering a dict
{component: new value} of the components it changes (the rest stay as they are).

Each takes the app context and the tab's components (`TrainUI`, ui/train/layout.py) first, bound by
ui/train/tab.py, then the event's inputs. Each browser tab owns one run in `ctx.registry`, keyed by
Gradio's session hash; Start / Step go on with that run while its settings are the same (live ones
applied), else make a new one (`run_for`).
"""

from __future__ import annotations

import gradio as gr

from gan_core.errors import CapacityError, ClassroomError, Queued
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.presets import describe_preset, get_preset, preset_names
from live.run import LiveSettings
from live.single.building import BUILDING
from ui import temp_files
from ui.common import AppContext, client_id, session_id
from ui.train import view
from ui.train.layout import TrainUI
from ui.train.settings import (
    KEYS,
    TTUR_LRS,
    base_config,
    config_from_values,
    live_settings,
    preset_for,
    same_run,
    values_from_config,
)

# a run that cannot be built, or no room for it: say why, never crash (plus what Python raises for a bad value)
RUN_ERRORS = (ClassroomError, ValueError, OverflowError, TimeoutError)


# -- what the handlers share ------------------------------------------------------------------------

def shown(ctx: AppContext, ui: TrainUI, run, request, message: str = "", snap=None, queued: bool = False) -> dict:
    """The run as the tab shows it: the live view's value (its token and numbers now: the page's polls go
    on from there), the notice, the Pause button's label."""
    snap = snap or run.snapshot()
    value = ctx.feed.value(session_id(request), run, snap, note=message if queued else "")
    return {ui.live: value, ui.notice: message,
            ui.pause: "Resume" if snap.status != "running" and snap.step else "Pause"}


def refused(ui: TrainUI, message: str) -> dict:
    gr.Warning(message)
    return {ui.notice: f"⚠️ {message}"}


def settings_shown(ui: TrainUI, values: dict) -> dict:
    """Every setting widget set to `values` (ui.train.settings.values_from_config)."""
    return {ui.settings[k]: values[k] for k in KEYS}


def new_config(ui: TrainUI, request, preset_name: str, args):
    """The RunConfig the widgets' values `args` (in KEYS order) ask for, with the tab's own data."""
    values = dict(zip(KEYS, args))
    return config_from_values(values, preset_name, ui.own.overrides(request, values["dataset"]))


def run_for(ctx: AppContext, ui: TrainUI, request, preset_name: str, args) -> tuple:
    """(the session's run if the settings did not change (live ones applied), else a new run; is it new?)"""
    sid = session_id(request)
    cfg = new_config(ui, request, preset_name, args)
    run = ctx.registry.get(sid)
    # a live tweak of the same preset goes on with the run; another preset (a lesson's next step, a pick from
    # the menu) is a new run even when only its learning rates differ (ring8-collapse -> +ttur must not go on
    # from a collapsed ring)
    if (run is not None and run.status != "error" and ctx.registry.made_from(sid) == preset_name
            and same_run(run.cfg, cfg)):
        run.set_live(LiveSettings(**live_settings(cfg)))
        return run, False
    return ctx.registry.create(sid, cfg, client=client_id(request), made_from=preset_name,
                               metric_fn=live_metrics), True


def slow_motion_run(ctx: AppContext, ui: TrainUI, request, preset_name: str, *args):
    """The run slow motion steps (ui/train/slow_motion.py): the one Step would train."""
    return run_for(ctx, ui, request, preset_name, args)[0]


def feed_value(ctx: AppContext, request, run) -> dict:
    """The live view's value for `run`: its token and numbers now."""
    return ctx.feed.value(session_id(request), run)


def live_value(ctx: AppContext, request):
    """The live view's value for the tab's run, or None when it has none."""
    run = ctx.registry.peek(session_id(request))
    return None if run is None else ctx.feed.value(session_id(request), run)


def preview(ctx: AppContext, cfg, request):
    """The untrained G of the new settings, while this tab has no run (a run's picture stays)."""
    if ctx.registry.get(session_id(request)) is not None:
        return gr.skip()
    value = view.preview_value(cfg)
    return gr.skip() if value is None else value


def kept_run_note(ctx: AppContext, request, name: str) -> str:
    """What happens to the tab's run when the student picks another preset: nothing, until Start."""
    sid = session_id(request)
    was = ctx.registry.made_from(sid)
    if ctx.registry.peek(sid) is None or was == name:
        return ""
    return (f"\n\n**Your {was or 'current'} run goes on as it was** (nothing of {name} was applied to it): "
            f"press **Start** for a new run of {name}.")


# -- the run's buttons -------------------------------------------------------------------------------

def on_start(ctx: AppContext, ui: TrainUI, request: gr.Request, preset_name, *args) -> dict:
    try:
        run, _ = run_for(ctx, ui, request, preset_name, args)
    except RUN_ERRORS as e:
        return refused(ui, str(e))
    try:
        ctx.registry.start(session_id(request))
    except Queued as e:  # the run waits its turn: the notice says where it is (and each poll updates it)
        gr.Info(str(e))  # (a toast too: on a phone the notice is a long scroll below the button)
        return shown(ctx, ui, run, request, str(e), queued=True)
    except CapacityError as e:
        gr.Warning(str(e))
        return shown(ctx, ui, run, request, f"⚠️ {e}")
    # a class run's start brought its snapshot back (live/classroom/member.py): no second call in a Start burst
    return shown(ctx, ui, run, request, snap=run.last_snapshot if getattr(run, "start_reads", False) else None)


def on_pause(ctx: AppContext, ui: TrainUI, request: gr.Request) -> dict:
    run = ctx.registry.get(session_id(request))
    if run is None:
        return refused(ui, "There is no run to pause yet: press Start.")
    if run.status == "running":
        run.pause()
        return shown(ctx, ui, run, request)
    try:
        ctx.registry.start(session_id(request))
    except Queued as e:
        return shown(ctx, ui, run, request, str(e), queued=True)
    except CapacityError as e:
        return refused(ui, str(e))
    return shown(ctx, ui, run, request)


def on_step(ctx: AppContext, ui: TrainUI, request: gr.Request, preset_name, mode, n, *args) -> dict:
    try:
        run, _ = run_for(ctx, ui, request, preset_name, args)
        ctx.registry.step(session_id(request), int(n), mode)
    except RUN_ERRORS as e:
        return refused(ui, str(e))
    return shown(ctx, ui, run, request)


def on_reset(ctx: AppContext, ui: TrainUI, request: gr.Request, preset_name, *args) -> dict:
    try:
        cfg = new_config(ui, request, preset_name, args)
        run = ctx.registry.create(session_id(request), cfg, client=client_id(request), made_from=preset_name,
                                  metric_fn=live_metrics)
    except RUN_ERRORS as e:
        return refused(ui, str(e))
    snap = run.snapshot()
    if snap.status == BUILDING:  # its data is still being read (in its process): each poll says how it goes
        return shown(ctx, ui, run, request, "New run being built: press Start, and it trains as soon as it is ready.",
                     snap=snap)
    return shown(ctx, ui, run, request, "New run ready: press Start or Step.", snap=snap)


def on_export(ctx: AppContext, ui: TrainUI, request: gr.Request) -> dict:
    run = ctx.registry.get(session_id(request))
    if run is None:
        gr.Warning("Nothing to export yet: train a few steps first.")
        return gr.skip()
    return {ui.downloads: gr.File(view.export_files(run.snapshot(), temp_files.folder("exports")), visible=True)}


# -- the settings --------------------------------------------------------------------------------------

def on_live(ctx: AppContext, ui: TrainUI, lr_g, lr_d, d_steps, request: gr.Request) -> dict:
    """The learning rates or D steps changed by the student: the run takes them at once."""
    run = ctx.registry.get(session_id(request))
    if run is None:
        return gr.skip()
    try:
        run.set_live(LiveSettings(lr_g=float(lr_g), lr_d=float(lr_d), d_steps=int(d_steps)))
    except (TypeError, ValueError) as e:
        return {ui.notice: f"⚠️ Not applied: {e}."}
    # (a running run takes them at its next chunk)
    return {ui.live: ctx.feed.value(session_id(request), run), ui.notice: ""}


def ttur_rates(ui: TrainUI) -> dict:
    """The TTUR button: D's learning rate 4x G's (then on_live applies them)."""
    return {ui.settings["lr_g"]: TTUR_LRS["lr_g"], ui.settings["lr_d"]: TTUR_LRS["lr_d"]}


def on_preset(ctx: AppContext, ui: TrainUI, name, request: gr.Request) -> dict:
    """A preset picked: its settings in the widgets, and its untrained G while the tab has no run."""
    cfg = get_preset(name)
    return {**settings_shown(ui, values_from_config(cfg)),
            ui.preset_info: describe_preset(name) + kept_run_note(ctx, request, name),
            ui.live: preview(ctx, cfg, request)}


def dataset_chosen(ctx: AppContext, ui: TrainUI, dataset, preset_name, request) -> dict:
    """A dataset brings its recommended settings: its own preset, or the current preset's when that fits
    (points vs images), else the default preset of its kind. {} when it cannot (ui/train/own_data.py
    calls this after a drawing or an upload too)."""
    name = preset_for(dataset if dataset in preset_names() else preset_name, dataset)
    try:
        cfg = base_config(name, dataset, ui.own.overrides(request, dataset))
    except RUN_ERRORS as e:  # an own dataset picked before anything was drawn or uploaded
        gr.Warning(str(e))
        return {}
    return {**settings_shown(ui, values_from_config(cfg)), ui.preset: name,
            ui.preset_info: describe_preset(name) + kept_run_note(ctx, request, name),
            ui.live: preview(ctx, cfg, request)}


def on_dataset(ctx: AppContext, ui: TrainUI, dataset, preset_name, request: gr.Request) -> dict:
    return dataset_chosen(ctx, ui, dataset, preset_name, request) or gr.skip()
