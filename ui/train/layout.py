"""The Train tab's components, laid out: three columns (controls | live picture | curves).

    [Preset, Dataset, Objective]   [notice]                 [alerts and the three
    [Your own data]                [slow motion]             curve panels]
    [Start] [Pause] [Reset]        [the live picture]       [explanation of the loss]
    [Step ...] [Slow motion]       [Export] [Downloads]
    [learning rates, fixes, model and tricks]

Layout only: `layout(v)` makes every component and returns them by name (`TrainUI`); the handlers are
ui/train/handlers.py, the wiring ui/train/tab.py. The setting widgets are one per
ui.train.settings.KEYS, by key in `TrainUI.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from gan_core.config import OBJECTIVES
from gan_core.presets import describe_preset, get_preset, preset_names
from ui.live_view import component as live_view
from ui.train import live_fixes, own_data, slow_motion, view
from ui.train.bounds import BATCH_SIZES, EMA_DECAYS
from ui.train.settings import DATASETS, DEFAULT_PRESET, KEYS, TRICK_INFO, dataset_label

STEP_MODES = [("D and G", "both"), ("D only", "d"), ("G only", "g")]
STEP_COUNTS = [1, 10, 100]
SAMPLES_NOTE = ("<small>G's output for the same noise z every frame. Images: a grid of samples (one column per "
                "class for a conditional G). 2D: GAN Lab's view; toggle its layers above, and point at the field "
                "(or touch it) to read D's output there.</small>")
CURVES_NOTE = ("<small>Top: the losses. Middle: D's mean output on real data and on G's fakes (at the "
               "equilibrium both are 0.5 for the standard GAN). Bottom: the size of each network's gradient.</small>")
APPLY_NOTE = ("<small>Learning rates, D steps and the fixes below, changed by you, change the current run "
              "**live**. Another preset or lesson step, and data, model, loss and the other tricks, make a **new "
              "run**: press Start after changing them, or Reset.</small>")


@dataclass(frozen=True)
class TrainUI:
    """Every component the Train tab's handlers read or set, by name."""

    preset: gr.Dropdown
    preset_info: gr.Markdown
    settings: dict  # key of ui.train.settings.KEYS -> its widget (plus "ttur": the TTUR button)
    own: own_data.OwnPanel  # "Your own data": draw or upload
    start: gr.Button
    pause: gr.Button  # its label says Pause or Resume
    reset: gr.Button
    step_mode: gr.Radio
    step_count: gr.Dropdown
    step: gr.Button
    slow: slow_motion.SlowMotionUI
    notice: gr.Markdown  # the sentence under the buttons (what the last action did)
    live: gr.HTML  # the live picture (ui/live_view): its value is {"token", "payload"}
    export: gr.Button
    downloads: gr.File
    explain: gr.Markdown  # what the objective's loss means

    @property
    def setting_widgets(self) -> list:
        """The setting widgets in ui.train.settings.KEYS order (the events' inputs)."""
        return [self.settings[k] for k in KEYS]


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
        w["batch_size"] = gr.Dropdown(list(BATCH_SIZES), value=v["batch_size"], label="Batch size",
                                      elem_id="batch-size")
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


def _run_buttons() -> dict:
    """Start / Pause / Reset, then what Step trains and how many steps a click: {name: component}."""
    with gr.Row():
        start = gr.Button("▶ Start", variant="primary", elem_id="start", min_width=80)
        pause = gr.Button("Pause", elem_id="pause", min_width=80)
        reset = gr.Button("Reset", variant="stop", elem_id="reset", min_width=80)
    step_mode = gr.Radio(STEP_MODES, value="both", label="Step trains", elem_id="step-mode")
    with gr.Row(equal_height=True):
        step_count = gr.Dropdown(STEP_COUNTS, value=10, label="steps per click", elem_id="step-count",
                                 scale=2, min_width=100)
        step = gr.Button("Step", elem_id="step", scale=1, min_width=80)
    return dict(start=start, pause=pause, reset=reset, step_mode=step_mode, step_count=step_count, step=step)


def _controls(v: dict) -> dict:
    """The left column: preset, data, the run's buttons and every setting: {name: component}."""
    preset = gr.Dropdown(preset_names(), value=DEFAULT_PRESET, label="Preset", elem_id="preset")
    preset_info = gr.Markdown(describe_preset(DEFAULT_PRESET), elem_id="preset-info")
    w: dict = {}
    buttons = _run_buttons()
    slow = slow_motion.buttons()  # slow motion: one step phase by phase (ui/train/slow_motion.py)
    # (the buttons above the data: Step and the field on one 1280x800 screen, issue #26)
    _data_widgets(v, w)
    own = own_data.build()  # "Your own data": draw or upload, kept per tab (ui/train/own_data.py)
    _live_widgets(v, w)
    live_fixes.widgets(v, w)  # R1, instance noise, unrolled D, feature matching: live (ui/train/live_fixes.py)
    _advanced_widgets(v, w)
    return dict(preset=preset, preset_info=preset_info, settings=w, own=own, slow=slow, **buttons)


def _picture_column(slow: slow_motion.SlowMotionUI) -> dict:
    """The middle column: the notice, slow motion's place, the live picture, Export: {name: component}."""
    notice = gr.Markdown("", elem_id="notice")
    slow_motion.panel(slow)  # its caption and picture, in the live picture's place while it plays
    # status, the field (or samples), layer toggles: drawn in the browser from the run's numbers
    live = live_view.picture(view.preview_value(get_preset(DEFAULT_PRESET)))
    gr.Markdown(SAMPLES_NOTE, elem_classes=["caption"])
    with gr.Row():
        export = gr.Button("Export loss history (CSV) and picture (PNG)", size="sm", elem_id="export")
    downloads = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="downloads",
                        visible=False)
    return dict(notice=notice, live=live, export=export, downloads=downloads)


def _curves_column(v: dict) -> gr.Markdown:
    """The right column: the curves (drawn from the live picture's polls) and the loss's explanation."""
    live_view.curves()  # the alerts and the three panels
    gr.Markdown(CURVES_NOTE, elem_classes=["caption"])
    return gr.Markdown(view.explanation(v["objective"]), elem_id="explain")


def layout(v: dict) -> TrainUI:
    """The tab's three columns, with the widgets set to `v` (ui.train.settings.values_from_config)."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300, elem_id="train-controls"):
            controls = _controls(v)
        with gr.Column(scale=2, min_width=360):
            picture = _picture_column(controls["slow"])
        with gr.Column(scale=2, min_width=360):
            explain = _curves_column(v)
    return TrainUI(**controls, **picture, explain=explain)
