"""The Latent space tab: G is a smooth map from noise z to data; the student touches it.

Handlers and wiring; the components are laid out in ui/latent/layout.py. The source (this session's
run, a shipped checkpoint or an uploaded one) becomes a `LatentView` (ui.latent.view) kept in a
gr.State; every slider *release* sends the slider values, and the handler generates one image.
Loading sources, and what happens when that fails, is in ui/latent/sources.py.

The handlers of a source or a seed answer {name: value} by the names of `LatentUI`'s fields
({"status": ..., "sliders": [one per slider]}; a name left out stays as it is), so they can be called
without a page; `by_component` turns that into Gradio's {component: value}.
"""

from __future__ import annotations

import random
import re

import gradio as gr

from ui import temp_files
from ui.common import AppContext, bind, explained, session_id
from ui.dropdown_pick import picked
from ui.latent import view as lv
from ui.latent.layout import NO_SOURCE, LatentUI, layout
from ui.latent.sources import LIVE, SOURCE_ERRORS, add_upload, describe, first_source, load_source, source_choices

MAX_FRAMES = 16  # the Frames slider's maximum; more from the API is refused


def by_component(ui: LatentUI, named: dict) -> dict:
    """{field name of LatentUI: value} -> {component: value} ("sliders": one value per slider)."""
    out = {}
    for name, value in named.items():
        if name == "sliders":
            out.update(zip(ui.sliders, value))
        else:
            out[getattr(ui, name)] = value
    return out or gr.skip()  # (Gradio reads an empty dict as no answer at all)


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


def show_view(view: lv.LatentView, seed: int, status: str) -> dict:
    """Everything that changes with the source: state, status, seed, class picker, sliders, pictures."""
    values, k = lv.slider_values(view, seed), lv.conditional_classes(view.source)
    image, classes = _pictures(view, lv.latent_at(view, seed, values), 0 if k else None)
    class_picker = gr.Dropdown(choices=[str(c) for c in range(k)], value="0" if k else None, visible=bool(k))
    return {"view": view, "status": status, "seed": int(seed), "class_picker": class_picker,
            "sliders": _slider_updates(view, values), "image": image, "classes": classes,
            "classes_box": gr.Column(visible=classes is not None)}


@explained
def move(view, seed, y, *values):
    """Slider released: z from the sliders -> (image, every-class row). The hot path: one forward pass."""
    if view is None:
        return gr.skip(), gr.skip()
    return _pictures(view, lv.latent_at(view, seed, values), y)


@explained
def new_seed(view, seed, y) -> dict:
    """A seed typed in, "random" or "reset": sliders back to the seed's own position, and its pictures."""
    if view is None:
        return {}
    seed = lv.checked_seed(seed)
    values = lv.slider_values(view, seed)
    image, classes = _pictures(view, lv.latent_at(view, seed, values), y)
    return {"seed": seed, "sliders": _slider_updates(view, values), "image": image, "classes": classes}


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


def pick_source(ctx: AppContext, label, uploaded, seed, session: str) -> dict:
    """A source chosen (or reloaded): load it, or say why not and keep the current one."""
    if not label:
        return {}
    try:
        view = lv.make_view(load_source(ctx, label, uploaded, session))
        seed = lv.checked_seed(seed)
    except SOURCE_ERRORS as e:
        return {"status": f"**Could not use {str(label)[:80]}:** {e}"}
    return show_view(view, seed, describe(view))


def upload_source(ctx: AppContext, file, uploaded, seed) -> dict:
    """An uploaded file, validated by loading it: the uploads, the source menu and the view.
    A bad file gives a message and changes nothing else: the tab keeps the model it had."""
    try:
        label, uploaded, src = add_upload(file, uploaded)
        view = lv.make_view(src)
        seed = lv.checked_seed(seed)
    except SOURCE_ERRORS as e:
        return {"status": f"**That upload is not a usable checkpoint.** {e}"}
    return {"uploads": uploaded, "source": gr.Dropdown(choices=source_choices(ctx, uploaded), value=label),
            **show_view(view, seed, describe(view))}


def open_tab(ctx: AppContext, view, uploaded, seed, session: str) -> dict:
    """Tab opened: refresh the menu; the first time, show this session's run or else the first checkpoint."""
    choices = source_choices(ctx, uploaded)
    first = None
    if view is None:
        has_run = ctx.registry.get(session) is not None
        first = LIVE if has_run else first_source(choices)
    if first is None:
        return {"source": gr.Dropdown(choices=choices)}
    return {"source": gr.Dropdown(choices=choices, value=first), **pick_source(ctx, first, uploaded, seed, session)}


# -- the event handlers: the functions above, their answers by component ----------------------------------

def pick(ctx: AppContext, ui: LatentUI, label, uploaded, seed_value, request: gr.Request) -> dict:
    return by_component(ui, pick_source(ctx, label, uploaded, seed_value, session_id(request)))


def reload(ctx: AppContext, ui: LatentUI, label, uploaded, seed_value, request: gr.Request) -> dict:
    """Refresh the list and load the chosen source again (the live run: its newest weights)."""
    return by_component(ui, {"source": gr.Dropdown(choices=source_choices(ctx, uploaded)),
                             **pick_source(ctx, label, uploaded, seed_value, session_id(request))})


def on_upload(ctx: AppContext, ui: LatentUI, file, uploaded, seed_value) -> dict:
    return by_component(ui, upload_source(ctx, file, uploaded, seed_value))


def on_open(ctx: AppContext, ui: LatentUI, view, uploaded, seed_value, request: gr.Request) -> dict:
    return by_component(ui, open_tab(ctx, view, uploaded, seed_value, session_id(request)))


def on_seed(ui: LatentUI, view, seed, y) -> dict:
    return by_component(ui, new_seed(view, seed, y))


# -- wiring ----------------------------------------------------------------------------------------------

def _wire_source(ctx: AppContext, ui: LatentUI, tab: gr.Tab) -> None:
    """A source picked, reloaded or uploaded, or the tab opened: the view and everything it shows."""
    shown = [ui.view, ui.status, ui.seed, ui.class_picker, *ui.sliders, ui.image, ui.classes, ui.classes_box]
    # (a real pick only, not the `input` Gradio 6 sends on every blur: ui/dropdown_pick.py)
    ui.source.input(**picked(bind(pick, ctx, ui), "latent-source", len(shown)), inputs=[ui.source, ui.uploads, ui.seed],
                    outputs=shown, api_name="latent_source")
    ui.refresh.click(bind(reload, ctx, ui), [ui.source, ui.uploads, ui.seed], [ui.source, *shown],
                     api_visibility="private")
    ui.upload.upload(bind(on_upload, ctx, ui), [ui.upload, ui.uploads, ui.seed], [ui.uploads, ui.source, *shown],
                     api_name="latent_upload")
    tab.select(bind(on_open, ctx, ui), [ui.view, ui.uploads, ui.seed], [ui.source, *shown], api_visibility="private")


def _wire_latent(ui: LatentUI) -> None:
    """The sliders, the class, the seed and the interpolation: pictures of the current view."""
    # The slider path: .release (not .change), so a drag sends one event, not dozens. queue=False: the
    # work is one small forward pass (serialised on latent_view's render thread), and skipping the
    # queue's join + event stream took ~25 ms off the median in docs/LATENT_LATENCY.md.
    slider_path = dict(show_progress="hidden", queue=False, trigger_mode="always_last")
    moved = [ui.view, ui.seed, ui.class_picker, *ui.sliders]
    gr.on([s.release for s in ui.sliders], move, moved, [ui.image, ui.classes], api_name="latent_move",
          **slider_path)
    ui.class_picker.input(move, moved, [ui.image, ui.classes], api_visibility="private", **slider_path)
    seeded = [ui.seed, *ui.sliders, ui.image, ui.classes]
    gr.on([ui.seed.submit, ui.reset.click], bind(on_seed, ui), [ui.view, ui.seed, ui.class_picker], seeded,
          api_name="latent_seed", show_progress="hidden")
    # (a lambda: the event keeps the API name Gradio gave it)
    ui.rand.click(lambda v, y: on_seed(ui, v, random.randrange(100_000), y), [ui.view, ui.class_picker], seeded,
                  api_visibility="private", show_progress="hidden")
    ui.go.click(interpolate, [ui.view, ui.seed_a, ui.seed_b, ui.n_frames, ui.class_picker],
                [ui.lerp, ui.slerp, ui.norms, ui.gif], api_name="latent_interpolate")


def build(ctx: AppContext) -> gr.Tab:
    with gr.Tab("Latent space", id="latent", elem_id="tab-latent") as tab:
        ui = layout(ctx)
        _wire_source(ctx, ui, tab)
        _wire_latent(ui)
    return tab
