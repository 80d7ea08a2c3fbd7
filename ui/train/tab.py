"""The Train tab: pick data, model, loss and tricks; Start / Pause / Step / Reset; watch G and D learn.

Layout and wiring only. Each browser tab owns one run in `ctx.registry` (keyed by Gradio's session
hash). The live view (ui/live_view) is drawn in the browser: a button's answer sets it to the run's
token and its numbers now, and the page's script then polls live/<token> once a second, outside
Gradio's queue, for what changed. The training thread never waits for the page. The words the page
shows are ui/train/view.py's; widget values <-> RunConfig in ui/train/settings.py.
"""

from __future__ import annotations

import dataclasses

import gradio as gr

from gan_core.config import OBJECTIVES
from gan_core.errors import CapacityError, ClassroomError, Queued
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.presets import describe_preset, get_preset, preset_names
from live.building import BUILDING
from live.run import LiveSettings
from ui import temp_files
from ui.common import AppContext, client_id, session_id
from ui.dropdown_pick import picked
from ui.live_view import component as live_view
from ui.train import live_fixes, own_data, slow_motion, view
from ui.train.bounds import EMA_DECAYS
from ui.train.settings import (
    DATASETS,
    DEFAULT_PRESET,
    KEYS,
    TRICK_INFO,
    TTUR_LRS,
    base_config,
    config_from_values,
    dataset_label,
    live_settings,
    preset_for,
    same_run,
    values_from_config,
)

STEP_MODES = [("D and G", "both"), ("D only", "d"), ("G only", "g")]
STEP_COUNTS = [1, 10, 100]
BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024]
# a run that cannot be built, or no room for it: say why, never crash (plus what Python raises for a bad value)
RUN_ERRORS = (ClassroomError, ValueError, OverflowError, TimeoutError)
SAMPLES_NOTE = ("<small>G's output for the same noise z every frame. Images: a grid of samples (one column per "
                "class for a conditional G). 2D: GAN Lab's view; toggle its layers above, and point at the field "
                "(or touch it) to read D's output there.</small>")
CURVES_NOTE = ("<small>Top: the losses. Middle: D's mean output on real data and on G's fakes (at the "
               "equilibrium both are 0.5 for the standard GAN). Bottom: the size of each network's gradient.</small>")
APPLY_NOTE = ("<small>Learning rates, D steps and the fixes below, changed by you, change the current run "
              "**live**. Another preset or lesson step, and data, model, loss and the other tricks, make a **new "
              "run**: press Start after changing them, or Reset.</small>")


def _data_widgets(v: dict, w: dict) -> None:
    """What to learn and with which objective (adds to w: {key: component})."""
    w["dataset"] = gr.Dropdown([(dataset_label(n), n) for n in DATASETS],
                               value=v["dataset"], label="Dataset", elem_id="dataset",
                               info="Loads the dataset's recommended settings. digits and mnist5k work offline.")
    w["objective"] = gr.Dropdown(list(OBJECTIVES), value=v["objective"], label="Objective (loss)", elem_id="objective",
                                 info=TRICK_INFO["objective"])


def _live_widgets(v: dict, w: dict) -> None:
    """The settings that change a running run (Trainer.set_live)."""
    with gr.Row():
        w["lr_g"] = gr.Number(v["lr_g"], label="G learning rate", step=1e-4, minimum=0, maximum=1, elem_id="lr-g",
                              min_width=100)
        w["lr_d"] = gr.Number(v["lr_d"], label="D learning rate", step=1e-4, minimum=0, maximum=1, elem_id="lr-d",
                              min_width=100)
    w["d_steps"] = gr.Slider(1, 10, v["d_steps"], step=1, label="D steps per G step", info=TRICK_INFO["d_steps"],
                             elem_id="d-steps")
    w["ttur"] = gr.Button("TTUR: D 4e-4, G 1e-4", size="sm", elem_id="ttur")
    gr.Markdown(f"<small>{TRICK_INFO['ttur']}</small>\n\n{APPLY_NOTE}")


def _advanced_widgets(v: dict, w: dict) -> None:
    """Model, optimiser and tricks: applied to the next new run."""
    with gr.Accordion("Model and training", open=False, elem_id="model-settings"):
        w["width"] = gr.Slider(8, 256, v["width"], step=8, label="Model size (width)", elem_id="width",
                               info="Neurons per hidden layer (2D), or feature maps ngf = ndf (images).")
        w["depth"] = gr.Slider(0, 8, v["depth"], step=1, label="Hidden layers (2D only)", elem_id="depth")
        w["nz"] = gr.Slider(1, 128, v["nz"], step=1, label="Latent size nz", elem_id="nz",
                            info="Dimension of the noise z that G turns into a sample.")
        w["batch_size"] = gr.Dropdown(BATCH_SIZES, value=v["batch_size"], label="Batch size", elem_id="batch-size")
        with gr.Row():
            w["beta1_g"] = gr.Number(v["beta1_g"], label="G Adam beta1", step=0.05, minimum=0, maximum=0.999)
            w["beta2_g"] = gr.Number(v["beta2_g"], label="G Adam beta2", step=0.001, minimum=0, maximum=0.9999)
        with gr.Row():
            w["beta1_d"] = gr.Number(v["beta1_d"], label="D Adam beta1", step=0.05, minimum=0, maximum=0.999)
            w["beta2_d"] = gr.Number(v["beta2_d"], label="D Adam beta2", step=0.001, minimum=0, maximum=0.9999)
        w["seed"] = gr.Number(v["seed"], label="Seed", precision=0, elem_id="seed")
        w["conditional"] = gr.Checkbox(v["conditional"], label="Conditional (class label into G and D; images only)")
    with gr.Accordion("Tricks against collapse and instability", open=False, elem_id="tricks"):
        info = TRICK_INFO
        w["label_smoothing"] = gr.Slider(0, 0.3, v["label_smoothing"], step=0.05, label="Label smoothing",
                                         info=info["label_smoothing"])
        w["spectral_norm"] = gr.Checkbox(v["spectral_norm"], label="Spectral norm on D", info=info["spectral_norm"])
        w["minibatch_std"] = gr.Checkbox(v["minibatch_std"], label="Minibatch std-dev", info=info["minibatch_std"])
        w["pack"] = gr.Slider(1, 8, v["pack"], step=1, label="PacGAN packing", info=info["pack"])
        w["grad_clip"] = gr.Slider(0, 10, v["grad_clip"], step=0.5, label="Gradient clipping", info=info["grad_clip"])
        w["ema"] = gr.Dropdown(list(EMA_DECAYS), value=v["ema"], label="EMA of G's weights (decay)", info=info["ema"])


@dataclasses.dataclass(frozen=True)
class TrainHandles:
    """What other parts of the page may set on this tab (the lesson panel, a link's settings)."""
    preset: gr.Dropdown
    settings: list  # one component per ui.train.settings.KEYS, in that order
    preset_info: gr.Markdown
    live: gr.HTML  # the live picture (ui/live_view): its value is {"token", "payload"}
    preview: object  # preview(cfg, request) -> the live view's value for the untrained G, or gr.skip() if a run exists
    notice: gr.Markdown  # the sentence under the buttons (what the last action did)


def build(ctx: AppContext) -> TrainHandles:
    v0 = values_from_config(get_preset(DEFAULT_PRESET))
    with gr.Tab("Train (live)", id="train", elem_id="tab-train"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300, elem_id="train-controls"):
                preset = gr.Dropdown(preset_names(), value=DEFAULT_PRESET, label="Preset", elem_id="preset")
                preset_info = gr.Markdown(describe_preset(DEFAULT_PRESET), elem_id="preset-info")
                w: dict = {}
                with gr.Row():
                    start = gr.Button("▶ Start", variant="primary", elem_id="start", min_width=80)
                    pause = gr.Button("Pause", elem_id="pause", min_width=80)
                    reset = gr.Button("Reset", variant="stop", elem_id="reset", min_width=80)
                step_mode = gr.Radio(STEP_MODES, value="both", label="Step trains", elem_id="step-mode")
                with gr.Row(equal_height=True):
                    step_count = gr.Dropdown(STEP_COUNTS, value=10, label="steps per click", elem_id="step-count",
                                             scale=2, min_width=100)
                    step = gr.Button("Step", elem_id="step", scale=1, min_width=80)
                slow = slow_motion.buttons()  # slow motion: one step phase by phase (ui/train/slow_motion.py)
                # (the buttons above the data: Step and the field on one 1280x800 screen, issue #26)
                _data_widgets(v0, w)
                own = own_data.build()  # "Your own data": draw or upload, kept per tab (ui/train/own_data.py)
                _live_widgets(v0, w)
                # R1, instance noise, unrolled D, feature matching: live (ui/train/live_fixes.py)
                live_fixes.widgets(v0, w)
                _advanced_widgets(v0, w)
            with gr.Column(scale=2, min_width=360):
                notice = gr.Markdown("", elem_id="notice")
                slow_motion.panel(slow)  # its caption and picture, in the live picture's place while it plays
                # status, the field (or samples), layer toggles: drawn in the browser from the run's numbers
                live = live_view.picture(view.preview_value(get_preset(DEFAULT_PRESET)))
                gr.Markdown(SAMPLES_NOTE, elem_classes=["caption"])
                with gr.Row():
                    export = gr.Button("Export loss history (CSV) and picture (PNG)", size="sm", elem_id="export")
                downloads = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="downloads",
                                    visible=False)
            with gr.Column(scale=2, min_width=360):
                live_view.curves()  # the alerts and the three panels, from the picture's polls
                gr.Markdown(CURVES_NOTE, elem_classes=["caption"])
                explain = gr.Markdown(view.explanation(v0["objective"]), elem_id="explain")

    settings = [w[k] for k in KEYS]
    shown = [live, notice, pause]

    def values_of(args) -> dict:
        return dict(zip(KEYS, args))

    def render(run, request, message: str = "", snap=None, queued: bool = False):
        """Everything `shown` for the tab's run: the live view's value (its token and numbers now: the
        page's polls go on from there), the notice, the Pause button's label."""
        snap = snap or run.snapshot()
        value = ctx.feed.value(session_id(request), run, snap, note=message if queued else "")
        return value, message, "Resume" if snap.status != "running" and snap.step else "Pause"

    def fail(message: str):
        gr.Warning(message)
        return gr.skip(), f"⚠️ {message}", gr.skip()

    def run_for(request, preset_name, args):
        """The session's run if the settings did not change (live ones applied), else a new run."""
        sid = session_id(request)
        values = values_of(args)
        cfg = config_from_values(values, preset_name, own.overrides(request, values["dataset"]))
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

    def on_start(request: gr.Request, preset_name, *args):
        try:
            run, _ = run_for(request, preset_name, args)
        except RUN_ERRORS as e:
            return fail(str(e))
        try:
            ctx.registry.start(session_id(request))
        except Queued as e:  # the run waits its turn: the notice says where it is (and each poll updates it)
            gr.Info(str(e))  # (a toast too: on a phone the notice is a long scroll below the button)
            return render(run, request, str(e), queued=True)
        except CapacityError as e:
            gr.Warning(str(e))
            return render(run, request, f"⚠️ {e}")
        return render(run, request)

    def on_pause(request: gr.Request):
        run = ctx.registry.get(session_id(request))
        if run is None:
            return fail("There is no run to pause yet: press Start.")
        if run.status == "running":
            run.pause()
            return render(run, request)
        try:
            ctx.registry.start(session_id(request))
        except Queued as e:
            return render(run, request, str(e), queued=True)
        except CapacityError as e:
            return fail(str(e))
        return render(run, request)

    def on_step(request: gr.Request, preset_name, mode, n, *args):
        try:
            run, _ = run_for(request, preset_name, args)
            ctx.registry.step(session_id(request), int(n), mode)
        except RUN_ERRORS as e:
            return fail(str(e))
        return render(run, request)

    def on_reset(request: gr.Request, preset_name, *args):
        try:
            values = values_of(args)
            cfg = config_from_values(values, preset_name, own.overrides(request, values["dataset"]))
            run = ctx.registry.create(session_id(request), cfg, client=client_id(request), made_from=preset_name,
                                      metric_fn=live_metrics)
        except RUN_ERRORS as e:
            return fail(str(e))
        snap = run.snapshot()
        if snap.status == BUILDING:  # its data is still being read (in its process): each poll says how it goes
            return render(run, request, "New run being built: press Start, and it trains as soon as it is ready.",
                          snap=snap)
        return render(run, request, "New run ready: press Start or Step.", snap=snap)

    def on_live(lr_g, lr_d, d_steps, request: gr.Request):
        run = ctx.registry.get(session_id(request))
        if run is None:
            return gr.skip()
        try:
            run.set_live(LiveSettings(lr_g=float(lr_g), lr_d=float(lr_d), d_steps=int(d_steps)))
        except (TypeError, ValueError) as e:
            return gr.skip(), f"⚠️ Not applied: {e}."
        return ctx.feed.value(session_id(request), run), ""  # (a running run takes them at its next chunk)

    def preview(cfg, request):
        """The untrained G of the new settings, while this tab has no run (a run's picture stays)."""
        if ctx.registry.get(session_id(request)) is not None:
            return gr.skip()
        value = view.preview_value(cfg)
        return gr.skip() if value is None else value

    def on_preset(name, request: gr.Request):
        cfg = get_preset(name)
        v = values_from_config(cfg)
        return [v[k] for k in KEYS] + [describe_preset(name) + kept_run_note(request, name), preview(cfg, request)]

    def kept_run_note(request, name: str) -> str:
        """What happens to the tab's run when the student picks another preset: nothing, until Start."""
        sid = session_id(request)
        was = ctx.registry.made_from(sid)
        if ctx.registry.peek(sid) is None or was == name:
            return ""
        return (f"\n\n**Your {was or 'current'} run goes on as it was** (nothing of {name} was applied to it): "
                f"press **Start** for a new run of {name}.")

    def on_dataset(dataset, preset_name, request: gr.Request):
        """A dataset brings its recommended settings: its own preset, or the current preset's when
        that fits (points vs images), else the default preset of its kind."""
        name = preset_for(dataset if dataset in preset_names() else preset_name, dataset)
        try:
            cfg = base_config(name, dataset, own.overrides(request, dataset))
        except RUN_ERRORS as e:  # an own dataset picked before anything was drawn or uploaded
            gr.Warning(str(e))
            return [gr.skip()] * (len(KEYS) + 3)
        v = values_from_config(cfg)
        return [v[k] for k in KEYS] + [name, describe_preset(name) + kept_run_note(request, name),
                                       preview(cfg, request)]

    def on_export(request: gr.Request):
        run = ctx.registry.get(session_id(request))
        if run is None:
            gr.Warning("Nothing to export yet: train a few steps first.")
            return gr.skip()
        return gr.File(view.export_files(run.snapshot(), temp_files.folder("exports")), visible=True)

    start.click(on_start, [preset, *settings], shown, api_name="start")
    pause.click(on_pause, None, shown, api_name="pause", concurrency_limit=None)
    step.click(on_step, [preset, step_mode, step_count, *settings], shown, api_name="step")
    reset.click(on_reset, [preset, *settings], shown, api_name="reset")
    # live changes come from the student's own input only: a preset or lesson step that sets these widgets
    # changes nothing of the running run (its next Start is a new run: run_for)
    live_inputs = [w["lr_g"], w["lr_d"], w["d_steps"]]
    gr.on([w["lr_g"].input, w["lr_d"].input, w["d_steps"].input], on_live, live_inputs, [live, notice],
          api_name="set_live", show_progress="hidden")
    live_fixes.wire(w, ctx.registry, live, notice, lambda request, run: ctx.feed.value(session_id(request), run))
    w["ttur"].click(lambda: (TTUR_LRS["lr_g"], TTUR_LRS["lr_d"]), None, [w["lr_g"], w["lr_d"]]).then(
        on_live, live_inputs, [live, notice], show_progress="hidden")
    w["objective"].change(view.explanation, [w["objective"]], [explain])
    # (picked: only a real pick acts, not the `input` Gradio 6 sends on every blur: ui/dropdown_pick.py)
    preset.input(**picked(on_preset, "preset", len(settings) + 2), inputs=[preset],
                 outputs=settings + [preset_info, live])
    w["dataset"].input(**picked(on_dataset, "dataset", len(settings) + 3), inputs=[w["dataset"], preset],
                       outputs=settings + [preset, preset_info, live])
    own_data.wire(own, w["dataset"], on_dataset, [preset], settings + [preset, preset_info, live])
    export.click(on_export, None, [downloads], api_name="export")
    def live_value(request):
        run = ctx.registry.peek(session_id(request))
        return None if run is None else ctx.feed.value(session_id(request), run)

    slow_motion.wire(slow, ctx.registry, live,
                     lambda request, preset_name, *args: run_for(request, preset_name, args)[0], [preset, *settings],
                     live_value)
    return TrainHandles(preset, settings, preset_info, live, preview, notice)
