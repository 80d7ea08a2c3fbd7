"""The Latent space tab's components, laid out:

    [Source] [Reload] [Upload]        G(z)
    [Seed] [Random seed] [Reset]      (the same z under every class: conditional G only)
    [Class]  [slider z0] ... [z7]
    ▾ Interpolate between two seeds: [Seed A] [Seed B] [Frames] [Interpolate]
      lerp | slerp, |z| along both paths, the slerp walk as a GIF

Layout only: `layout(ctx)` makes every component and returns them by name (`LatentUI`); the
handlers and the wiring are ui/latent/tab.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ui.common import AppContext
from ui.latent import view as lv
from ui.latent.sources import source_choices

INTRO = ("G turns a noise vector z into a sample. **Drag a slider** and watch G(z) change smoothly: nearby "
         "latents give similar outputs. Pick the run you just trained or a shipped checkpoint.")
WHY_SLERP = ("**Why slerp?** A Gaussian z in nz dimensions almost always has |z| close to sqrt(nz), so G was "
             "trained on that thin shell; the straight line (lerp) between two samples dips inside it, to about "
             "sqrt(nz/2) halfway, while slerp follows the great circle and stays where G has seen data.")
NO_SOURCE = "Pick a source above: train a model in the **Train** tab, or choose a shipped checkpoint."


@dataclass(frozen=True)
class LatentUI:
    """Every component the Latent space tab's handlers read or set, by name (the handlers' answers
    name them too: {"image": ..., "sliders": [...]}, see tab.by_component)."""

    view: gr.State  # the LatentView of the chosen source
    uploads: gr.State  # this tab's uploaded checkpoints: label -> file path
    source: gr.Dropdown
    refresh: gr.Button
    upload: gr.UploadButton
    status: gr.Markdown  # what the source is, or why it could not be used
    seed: gr.Number
    rand: gr.Button
    reset: gr.Button
    class_picker: gr.Dropdown  # conditional G only
    sliders: tuple  # lv.MAX_SLIDERS gr.Slider, the visible ones move z
    image: gr.Image  # G(z)
    classes_box: gr.Column
    classes: gr.Image  # the same z under every class
    seed_a: gr.Number
    seed_b: gr.Number
    n_frames: gr.Slider
    go: gr.Button
    lerp: gr.Image
    slerp: gr.Image
    norms: gr.Plot
    gif: gr.File


def _controls(ctx: AppContext) -> dict:
    """The source, the seed and the sliders: {name: component}."""
    source = gr.Dropdown(choices=source_choices(ctx, {}), value=None, label="Source", elem_id="latent-source")
    with gr.Row():
        refresh = gr.Button("Reload", size="sm", elem_id="latent-refresh")
        upload = gr.UploadButton("Upload a checkpoint (.safetensors)", size="sm", elem_id="latent-upload")
    status = gr.Markdown(NO_SOURCE, elem_id="latent-status")
    with gr.Row():
        seed = gr.Number(0, label="Seed (Enter to apply)", precision=0, minimum=0, elem_id="seed", scale=2)
        with gr.Column(scale=1, min_width=120):
            rand = gr.Button("Random seed", size="sm", elem_id="latent-random")
            reset = gr.Button("Reset sliders", size="sm", elem_id="latent-reset")
    class_picker = gr.Dropdown(choices=[], label="Class (conditional G)", visible=False, elem_id="latent-class")
    sliders = tuple(gr.Slider(-3, 3, 0, step=0.05, visible=False, elem_id=f"latent-slider-{i}")
                    for i in range(lv.MAX_SLIDERS))
    return dict(source=source, refresh=refresh, upload=upload, status=status, seed=seed, rand=rand, reset=reset,
                class_picker=class_picker, sliders=sliders)


def _pictures() -> dict:
    """G(z), and the same z under every class: {name: component}."""
    image = gr.Image(label="G(z)", elem_id="latent-image", format="png", height=340, interactive=False,
                     buttons=["download"])
    with gr.Column(visible=False) as classes_box:
        gr.Markdown("**The same z under every class** (0, 1, ..., 9, row by row)")
        classes = gr.Image(show_label=False, elem_id="latent-classes", format="png", interactive=False,
                           buttons=["download"])
    return dict(image=image, classes_box=classes_box, classes=classes)


def _interpolation() -> dict:
    """Two seeds, the frames, and the walks between them: {name: component}."""
    with gr.Accordion("Interpolate between two seeds", open=True, elem_id="latent-interp"):
        with gr.Row():
            seed_a = gr.Number(1, label="Seed A", precision=0, minimum=0, elem_id="interp-seed-a")
            seed_b = gr.Number(2, label="Seed B", precision=0, minimum=0, elem_id="interp-seed-b")
            n_frames = gr.Slider(3, 16, 8, step=1, label="Frames", elem_id="interp-n")
            go = gr.Button("Interpolate", variant="primary", elem_id="interpolate")
        gr.Markdown(WHY_SLERP)
        with gr.Row(elem_id="interp-frames"):
            with gr.Column():
                gr.Markdown("**lerp**: the straight line from A to B")
                lerp = gr.Image(show_label=False, format="png", interactive=False, elem_id="interp-lerp",
                                buttons=["download"])
            with gr.Column():
                gr.Markdown("**slerp**: along the great circle")
                slerp = gr.Image(show_label=False, format="png", interactive=False, elem_id="interp-slerp",
                                 buttons=["download"])
        with gr.Row():
            norms = gr.Plot(label="|z| along both paths", elem_id="interp-norms")
            gif = gr.File(label="The slerp walk as an animated GIF", elem_id="interp-gif", interactive=False)
    return dict(seed_a=seed_a, seed_b=seed_b, n_frames=n_frames, go=go, lerp=lerp, slerp=slerp, norms=norms, gif=gif)


def layout(ctx: AppContext) -> LatentUI:
    """The tab's components (call inside its gr.Tab)."""
    gr.Markdown(INTRO)
    view = gr.State(None)
    uploads = gr.State({})
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            controls = _controls(ctx)
        with gr.Column(scale=1, min_width=320):
            pictures = _pictures()
    return LatentUI(view=view, uploads=uploads, **controls, **pictures, **_interpolation())
