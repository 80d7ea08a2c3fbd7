"""The Latent space tab: G is a smooth map from noise z to data; the student touches it.

Layout and wiring only. The source (this session's run, a shipped checkpoint or an uploaded one)
becomes a `LatentView` (ui.latent.view) kept in a gr.State; every slider *release* sends
the slider values, and the handler generates one image. Loading sources, and what happens when
that fails, is in ui/latent/sources.py.
"""

from __future__ import annotations

import random
import re

import gradio as gr

from ui import temp_files
from ui.common import AppContext, explained, session_id
from ui.dropdown_pick import picked
from ui.latent import view as lv
from ui.latent.sources import (
    LIVE,
    SOURCE_ERRORS,
    add_upload,
    describe,
    first_source,
    load_source,
    source_choices,
)

MAX_FRAMES = 16  # the Frames slider's maximum; more from the API is refused
INTRO = ("G turns a noise vector z into a sample. **Drag a slider** and watch G(z) change smoothly: nearby "
         "latents give similar outputs. Pick the run you just trained or a shipped checkpoint.")
WHY_SLERP = ("**Why slerp?** A Gaussian z in nz dimensions almost always has |z| close to sqrt(nz), so G was "
             "trained on that thin shell; the straight line (lerp) between two samples dips inside it, to about "
             "sqrt(nz/2) halfway, while slerp follows the great circle and stays where G has seen data.")
N_VIEW = 7 + lv.MAX_SLIDERS  # outputs of show_view: state, status, seed, class, sliders, image, classes, box
NO_SOURCE = "Pick a source above: train a model in the **Train** tab, or choose a shipped checkpoint."


def _label(view: lv.LatentView | None, y):
    """The class for a conditional G (an int in range), else None."""
    k = lv.conditional_classes(view.source) if view is not None else 0
    if not k or y in (None, ""):
        return None
    try:
        label = int(y)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"the class must be a whole number; got {str(y)[:30]!r}.") from None
    if not 0 <= label < k:
        raise ValueError(f"the class must be between 0 and {k - 1}; got {label}.")
    return label


def _pictures(view: lv.LatentView, z, y) -> tuple:
    """(main image, every-class row) for one latent; the row is only for conditional images."""
    return lv.render(view, z, _label(view, y)), lv.render_all_classes(view, z)


def _slider_updates(view: lv.LatentView, values: list[float]) -> list:
    ups = []
    for i in range(lv.MAX_SLIDERS):
        if i < view.n_sliders:
            ups.append(gr.Slider(minimum=-view.span, maximum=view.span, value=values[i], label=view.labels[i],
                                 visible=True))
        else:
            ups.append(gr.Slider(visible=False, value=0))
    return ups


def show_view(view: lv.LatentView, seed: int, status: str) -> tuple:
    """Everything that changes with the source: state, status, seed, class picker, sliders, pictures.
    The order matches `view_outputs` in build()."""
    values, k = lv.slider_values(view, seed), lv.conditional_classes(view.source)
    image, classes = _pictures(view, lv.latent_at(view, seed, values), 0 if k else None)
    class_picker = gr.Dropdown(choices=[str(c) for c in range(k)], value="0" if k else None, visible=bool(k))
    return (view, status, int(seed), class_picker, *_slider_updates(view, values), image, classes,
            gr.Column(visible=classes is not None))


@explained
def move(view, seed, y, *values):
    """Slider released: z from the sliders -> (image, every-class row). The hot path: one forward pass."""
    if view is None:
        return gr.skip(), gr.skip()
    return _pictures(view, lv.latent_at(view, seed, values), y)


@explained
def new_seed(view, seed, y) -> tuple:
    """A seed typed in, "random" or "reset": sliders back to the seed's own position, and its pictures."""
    if view is None:
        return (gr.skip(),) * (lv.MAX_SLIDERS + 3)
    seed = lv.checked_seed(seed)
    values = lv.slider_values(view, seed)
    return (seed, *_slider_updates(view, values), *_pictures(view, lv.latent_at(view, seed, values), y))


@explained
def interpolate(view, seed_a, seed_b, n_frames, y):
    """lerp and slerp from seed A to seed B: two pictures, the |z| plot, and a GIF of the slerp walk."""
    if view is None:
        raise gr.Error(NO_SOURCE)
    seed_a, seed_b = lv.checked_seed(seed_a), lv.checked_seed(seed_b)
    try:
        n = int(n_frames)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"the number of frames must be a whole number; got {str(n_frames)[:30]!r}.") from None
    if not 3 <= n <= MAX_FRAMES:
        raise ValueError(f"the number of frames must be between 3 and {MAX_FRAMES}; got {n}.")
    label = _label(view, y)
    walk = lv.interpolate_seeds(view, seed_a, seed_b, n, label)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", view.source.name)[:60]
    gif = temp_files.folder("gifs") / \
        f"latent-walk_{stem}_seed{seed_a}-to-{seed_b}_{n}f{'' if label is None else f'_class{label}'}.gif"
    lv.write_gif(lv.gif_frames(view, walk.slerp_path, label), gif)  # a folder of its own: no one else writes it
    return walk.lerp, walk.slerp, lv.norm_figure(walk, view.source), str(gif)


def pick_source(ctx: AppContext, label, uploaded, seed, session: str) -> tuple:
    """A source chosen (or reloaded): load it, or say why not and keep the current one. -> N_VIEW outputs."""
    if not label:
        return (gr.skip(),) * N_VIEW
    try:
        view = lv.make_view(load_source(ctx, label, uploaded, session))
        seed = lv.checked_seed(seed)
    except SOURCE_ERRORS as e:
        return (gr.skip(), f"**Could not use {str(label)[:80]}:** {e}") + (gr.skip(),) * (N_VIEW - 2)
    return show_view(view, seed, describe(view))


def upload_source(ctx: AppContext, file, uploaded, seed) -> tuple:
    """An uploaded file, validated by loading it: -> (uploads, source menu, N_VIEW outputs).
    A bad file gives a message and changes nothing else: the tab keeps the model it had."""
    try:
        label, uploaded, src = add_upload(file, uploaded)
        view = lv.make_view(src)
        seed = lv.checked_seed(seed)
    except SOURCE_ERRORS as e:
        return (gr.skip(), gr.skip(), gr.skip(), f"**That upload is not a usable checkpoint.** {e}") + \
            (gr.skip(),) * (N_VIEW - 2)
    return (uploaded, gr.Dropdown(choices=source_choices(ctx, uploaded), value=label),
            *show_view(view, seed, describe(view)))


def open_tab(ctx: AppContext, view, uploaded, seed, session: str) -> tuple:
    """Tab opened: refresh the menu; the first time, show this session's run or else the first checkpoint.
    -> (source menu, N_VIEW outputs)."""
    choices = source_choices(ctx, uploaded)
    first = None
    if view is None:
        has_run = ctx.registry.get(session) is not None
        first = LIVE if has_run else first_source(choices)
    if first is None:
        return (gr.Dropdown(choices=choices),) + (gr.skip(),) * N_VIEW
    return (gr.Dropdown(choices=choices, value=first), *pick_source(ctx, first, uploaded, seed, session))


def build(ctx: AppContext) -> gr.Tab:
    with gr.Tab("Latent space", id="latent", elem_id="tab-latent") as tab:
        gr.Markdown(INTRO)
        view_state = gr.State(None)  # LatentView of the chosen source
        uploads = gr.State({})  # this tab's uploaded checkpoints: label -> file path
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                source = gr.Dropdown(choices=source_choices(ctx, {}), value=None, label="Source",
                                     elem_id="latent-source")
                with gr.Row():
                    refresh = gr.Button("Reload", size="sm", elem_id="latent-refresh")
                    upload = gr.UploadButton("Upload a checkpoint (.safetensors)", size="sm", elem_id="latent-upload")
                status = gr.Markdown(NO_SOURCE, elem_id="latent-status")
                with gr.Row():
                    seed = gr.Number(0, label="Seed (Enter to apply)", precision=0, minimum=0, elem_id="seed",
                                     scale=2)
                    with gr.Column(scale=1, min_width=120):
                        rand = gr.Button("Random seed", size="sm", elem_id="latent-random")
                        reset = gr.Button("Reset sliders", size="sm", elem_id="latent-reset")
                class_picker = gr.Dropdown(choices=[], label="Class (conditional G)", visible=False,
                                           elem_id="latent-class")
                sliders = [gr.Slider(-3, 3, 0, step=0.05, visible=False, elem_id=f"latent-slider-{i}")
                           for i in range(lv.MAX_SLIDERS)]
            with gr.Column(scale=1, min_width=320):
                image = gr.Image(label="G(z)", elem_id="latent-image", format="png", height=340, interactive=False,
                                 buttons=["download"])
                with gr.Column(visible=False) as classes_box:
                    gr.Markdown("**The same z under every class** (0, 1, ..., 9, row by row)")
                    classes = gr.Image(show_label=False, elem_id="latent-classes", format="png", interactive=False,
                                       buttons=["download"])
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
                    lerp_img = gr.Image(show_label=False, format="png", interactive=False, elem_id="interp-lerp",
                                        buttons=["download"])
                with gr.Column():
                    gr.Markdown("**slerp**: along the great circle")
                    slerp_img = gr.Image(show_label=False, format="png", interactive=False, elem_id="interp-slerp",
                                         buttons=["download"])
            with gr.Row():
                norms = gr.Plot(label="|z| along both paths", elem_id="interp-norms")
                gif = gr.File(label="The slerp walk as an animated GIF", elem_id="interp-gif", interactive=False)

        view_outputs = [view_state, status, seed, class_picker, *sliders, image, classes, classes_box]
        seed_outputs = [seed, *sliders, image, classes]
        assert len(view_outputs) == N_VIEW

        def pick(label, uploaded, seed_value, request: gr.Request):
            return pick_source(ctx, label, uploaded, seed_value, session_id(request))

        def on_upload(file, uploaded, seed_value):
            return upload_source(ctx, file, uploaded, seed_value)

        def on_open(view, uploaded, seed_value, request: gr.Request):
            return open_tab(ctx, view, uploaded, seed_value, session_id(request))

        def reload(label, uploaded, seed_value, request: gr.Request):
            """Refresh the list and load the chosen source again (the live run: its newest weights)."""
            return (gr.Dropdown(choices=source_choices(ctx, uploaded)), *pick(label, uploaded, seed_value, request))

        source.input(**picked(pick, "latent-source", N_VIEW), inputs=[source, uploads, seed], outputs=view_outputs,
                     api_name="latent_source")  # (a real pick only, not Gradio's blur: ui/dropdown_pick.py)
        refresh.click(reload, [source, uploads, seed], [source, *view_outputs], api_visibility="private")
        upload.upload(on_upload, [upload, uploads, seed], [uploads, source, *view_outputs], api_name="latent_upload")
        tab.select(on_open, [view_state, uploads, seed], [source, *view_outputs], api_visibility="private")

        # The slider path: .release (not .change), so a drag sends one event, not dozens. queue=False: the
        # work is one small forward pass (serialised on latent_view's render thread), and skipping the
        # queue's join + event stream took ~25 ms off the median in docs/LATENT_LATENCY.md.
        slider_path = dict(show_progress="hidden", queue=False, trigger_mode="always_last")
        gr.on([s.release for s in sliders], move, [view_state, seed, class_picker, *sliders], [image, classes],
              api_name="latent_move", **slider_path)
        class_picker.input(move, [view_state, seed, class_picker, *sliders], [image, classes],
                           api_visibility="private", **slider_path)
        gr.on([seed.submit, reset.click], new_seed, [view_state, seed, class_picker], seed_outputs,
              api_name="latent_seed", show_progress="hidden")
        rand.click(lambda v, y: new_seed(v, random.randrange(100_000), y), [view_state, class_picker], seed_outputs,
                   api_visibility="private", show_progress="hidden")
        go.click(interpolate, [view_state, seed_a, seed_b, n_frames, class_picker], [lerp_img, slerp_img, norms, gif],
                 api_name="latent_interpolate")
    return tab
