"""What the Train tab says, computed from a `Trainer.snapshot()`: plain data and text, no gradio.

The live view itself is drawn in the browser from the run's numbers (ui/live_view); here:
- `status_line`, `alerts_text`, `explanation`: Markdown a student can read beside the curves.
- `preview_value`: the live view's value before any run (the untrained G of the chosen settings).
- `export_files`: the loss history as CSV and the current picture as PNG, for download.
- `curves_image`, `visual_image`: the same views drawn on the server, where one picture serves many
  (a room's class run, the projector's focus) and for the export.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from gan_core.config import BCE_OBJECTIVES, CRITIC_OBJECTIVES, DOWNLOAD_DATASETS, RunConfig
from gan_core.evaluation.verdict import LOW_QUALITY_FRACTION
from gan_core.pictures.curves_draw import Panel, Series, draw_curves
from gan_core.pictures.field_draw import FIELD_LAYERS, PICTURE_WIDTH, draw_field, field_title
from gan_core.pictures.viz import png_bytes
from gan_core.presets import PRESETS, get_preset
from live.single.alerts import GRAD_LEVELS, collapse_alert
from live.single.building import BUILDING
from live.single.history import SERIES
from live.single.trainer import Trainer
from live.snapshot import Snapshot
from ui.curve_series import CRITIC_TITLE, D_PANEL, EQUILIBRIUM, EQUILIBRIUM_COLOUR, PANELS, is_critic

MAX_POINTS = 400  # per series drawn: ~1 px apart on a plot ~400 px wide
NO_RUN = "**no run yet** · step 0: the untrained G · press **Start** (or Step) to train"
FIELD_WIDTH = PICTURE_WIDTH
_FIELD_CACHE: OrderedDict = OrderedDict()  # (field content, layers, step) -> picture: a repeat is free
_FIELD_CACHE_LOCK = threading.Lock()  # Gradio runs handlers of many sessions in threads


def _series(history: dict, series, stride: int) -> list[Series]:
    steps = np.asarray(history.get("step", [])[::stride], dtype=np.float64)
    return [Series(label, colour, steps, np.asarray(history[key][::stride], dtype=np.float64))
            for key, label, colour in series if key in history]


def curve_panels(history: dict, objective: str) -> tuple[Panel, ...] | None:
    """(losses, D outputs, gradient norms) as panels, at most MAX_POINTS points a line; None before
    the first step. D outputs get the 0.5 line where it is the equilibrium (BCE probabilities,
    LSGAN's targets 0/1) and a fixed 0..1 range where they are probabilities."""
    n = len(history.get("step", []))
    if not n:
        return None
    stride = max(1, math.ceil(n / MAX_POINTS))
    panels = []
    for i, (title, y_title, series) in enumerate(PANELS):
        lines, y_lim = _series(history, series, stride), None
        if i == D_PANEL:
            title, y_lim = (CRITIC_TITLE if is_critic(objective) else title), d_output_limits(objective)
            if not is_critic(objective):
                ends = np.asarray([history["step"][0], history["step"][-1]], dtype=np.float64)
                lines.append(Series(EQUILIBRIUM, EQUILIBRIUM_COLOUR, ends, np.array([0.5, 0.5]), dashed=True))
        panels.append(Panel(title, y_title, tuple(lines), y_lim))
    return tuple(panels)


def curves_image(history: dict, objective: str) -> np.ndarray | None:
    """The three panels stacked as uint8 [525, 460, 3] (a few ms), or None before the first step."""
    panels = curve_panels(history, objective)
    return None if panels is None else draw_curves(panels, width=PICTURE_WIDTH)


def d_output_limits(objective: str) -> tuple[float, float] | None:
    """Fixed y-range of the D-output plot: probabilities live in [0, 1]; scores are unbounded."""
    return (0.0, 1.0) if objective in BCE_OBJECTIVES else None


def status_line(snap: Snapshot) -> str:
    """'**running** · step 1,230 · 412 it/s · cpu (2 threads)' plus the live settings and any message."""
    if snap.status == BUILDING:  # (live.single.building) no step, speed or device yet: what the build is doing
        return f"**{BUILDING}** · {snap.dataset}  \n{snap.message}"
    its = f"{snap.its:.0f} it/s" if snap.status == "running" else "0 it/s"
    line = (f"**{snap.status}** · step {snap.step:,} · {its} · {snap.device} · {snap.dataset}  \n"
            f"<small>live: lr G {snap.lr_g:.2g}, lr D {snap.lr_d:.2g}, D steps per G step {snap.d_steps}"
            f"{fixes_text(snap.fixes)}</small>")
    if snap.message:
        line += f"  \n⚠️ {snap.message}"
    return line


def fixes_text(fixes: dict) -> str:
    """The live fixes that are on, for the status line: ', R1 gamma 1, unrolled D 5' ('' if none)."""
    on = [f"R1 gamma {fixes['r1_gamma']:g}" if fixes.get("r1_gamma") else "",
          f"instance noise {fixes['instance_noise']:g}" if fixes.get("instance_noise") else "",
          f"unrolled D {fixes['unrolled_steps']}" if fixes.get("unrolled_steps") else "",
          "feature matching" if fixes.get("feature_matching") else ""]
    return "".join(f", {x}" for x in on if x)


def alerts_text(snap: Snapshot) -> str:
    """The trainer's alerts in plain language, and the latest mode count for 2D mixtures."""
    collapse = collapse_alert(snap.metrics)
    alerts = ([collapse] if collapse else []) + list(snap.alerts)
    lines = [f"- ⚠️ {a}" for a in alerts]
    modes = [m for m in snap.metrics if "modes_covered" in m]
    if modes:
        m = modes[-1]
        lines.append(modes_line(m))
    if not alerts:
        lines.insert(0, "- No alerts: nothing looks wrong right now." if snap.step else
                     "- No alerts yet: press **Start** or **Step**.")
    return "**What the trainer sees**\n\n" + "\n".join(lines)


def modes_line(m: dict) -> str:
    """The mode count of one live metric, in words that do not contradict each other: a mode counts
    as covered once any sample lands near it, so early on all 8 can be touched by stragglers while
    almost every sample still lies between them. Then the line says "reached", not "covered"."""
    covered, n, near, step = m["modes_covered"], m["n_modes"], m["high_quality_fraction"], m["step"]
    if near >= LOW_QUALITY_FRACTION:
        return f"- Modes covered: **{covered} of {n}**, {100 * near:.0f}% of samples near a mode (step {step:,})."
    where = ("a few samples touch those modes while most still lie between them" if covered else
             "no sample lies near any mode")
    return (f"- Modes reached: **{covered} of {n}**, but only {100 * near:.0f}% of samples near a mode (step "
            f"{step:,}): {where}. G has not gathered its samples on the modes yet.")


_CURVES = {
    "bce": ("**Losses.** D's loss is the sum of two cross-entropies, on real and on fake. If G matched the data "
            "perfectly, D could only guess and its loss would settle near 2 ln 2 ≈ 1.39 (G's near ln 2 ≈ 0.69 with "
            "the non-saturating loss). D's loss falling towards 0 means D wins and G gets little to learn from.",
            "**D(x) and D(G(z))** are D's mean probability that real and fake samples are real. Healthy training "
            "pulls both towards the grey **0.5** line: D can no longer tell them apart. D(x) near 1 with D(G(z)) "
            "near 0 for long means D has won."),
    "lsgan": ("**Losses.** Least squares: D pushes its output to 1 on real and 0 on fake. At the equilibrium D "
              "outputs 0.5 everywhere, so D's loss settles near 0.25 and G's near 0.125.",
              "**D(x) and D(G(z))** are D's mean raw outputs (targets 1 and 0). Both heading for the grey **0.5** "
              "line means D cannot tell real from fake."),
    "hinge": ("**Losses.** Hinge: D wants scores above +1 on real and below -1 on fake; G pushes its scores up. "
              "When D cannot separate them, D's loss settles near 2.",
              "**D(x) and D(G(z))** are mean scores (not probabilities). The gap between the two curves is how "
              "easily D separates real from fake; it should shrink, not reach a particular value."),
    "critic": ("**Losses.** D is a *critic*: its loss is E[D(G(z))] - E[D(x)] (plus the gradient penalty for "
               "WGAN-GP), minus an estimate of the Wasserstein distance between real and fake. The closer it gets "
               "to 0, the closer the distributions. G's loss alone has no fixed target.",
               "**D(x) and D(G(z))** are mean critic scores, unbounded: there is no 0.5 line. Their gap estimates "
               "the distance G still has to go; watch it shrink."),
}
_GRADS = ("**Gradient norms** show how hard each network is being pushed. How big is too big depends on the network: "
          f"a healthy DCGAN's D reaches a few hundred, the 2D MLP's stay in the tens. Norms that stay over "
          f"{GRAD_LEVELS['mlp'][0]:,.0f} (2D MLP) or {GRAD_LEVELS['dcgan'][0]:,.0f} (DCGAN) are an early sign that "
          "training will blow up; a G norm near 0 while D's loss is near 0 means G has stopped learning.")


def explanation(objective: str) -> str:
    """What the three curves mean for this objective, in plain language."""
    kind = ("bce" if objective in BCE_OBJECTIVES else "critic" if objective in CRITIC_OBJECTIVES else objective)
    losses, outputs = _CURVES[kind]
    return f"{losses}\n\n{outputs}\n\n{_GRADS}"


def visual_image(snap: Snapshot, layers=FIELD_LAYERS) -> np.ndarray | None:
    """The current picture as uint8 [H, W, 3]: the field for 2D data, the sample grid for images."""
    if snap.field is not None:
        return field_image(snap.field, layers, snap.visual_step)  # the step it shows
    return None if snap.samples is None else upscale(snap.samples)


def upscale(image: np.ndarray, min_side: int = 440) -> np.ndarray:
    """Blow a small grid up by a whole factor (nearest) so the browser only ever shrinks it: tiny
    digits stay crisp instead of being smoothed into blur."""
    k = math.ceil(min_side / min(image.shape[:2]))
    return image if k <= 1 else image.repeat(k, axis=0).repeat(k, axis=1)


def _field_key(field: dict, layers, step: int) -> tuple:
    """What a field picture depends on; hashing ~20 KB of arrays takes microseconds."""
    h = hashlib.blake2b(digest_size=16)
    for name in ("heat", "fake", "arrows", "manifold", "real"):
        h.update(np.ascontiguousarray(field[name]).tobytes())
    return h.hexdigest(), field["bounds"], field["probability"], tuple(layers), step


def field_image(field: dict, layers, step: int) -> np.ndarray:
    """The 2D field as uint8 [H, W, 3] (gan_core.pictures.field_draw, ~20 ms); the last few pictures are
    kept, so a button press, a layer toggled back or an export of the frame on screen cost nothing."""
    key = _field_key(field, layers, step)
    with _FIELD_CACHE_LOCK:
        if key in _FIELD_CACHE:
            _FIELD_CACHE.move_to_end(key)
            return _FIELD_CACHE[key]
    image = draw_field(field, tuple(layers), title=field_title(step), width=FIELD_WIDTH)
    image.flags.writeable = False  # shared between callers
    with _FIELD_CACHE_LOCK:
        _FIELD_CACHE[key] = image
        while len(_FIELD_CACHE) > 16:
            _FIELD_CACHE.popitem(last=False)
    return image


PREVIEW_CACHE = 16  # pictures of 2D settings kept (~0.7 MB each), the least recently used dropped first


def preview_value(cfg: RunConfig) -> dict | None:
    """The live view's value before any run: the untrained G of these settings (no token: nothing to
    poll), or None where there is no preview (preview_visual)."""
    visual = preview_visual(cfg)
    if visual is None:
        return None
    return _preview_payload(visual)


def _preview_payload(visual: dict) -> dict:
    from ui.live_view import payload  # (the live view's packing; this module stays importable without it)

    snap = Snapshot(field=visual["field"], samples=visual["samples"], visual_step=0)
    picture = payload.picture_of(snap)
    if picture and picture["kind"] == "samples":  # (a preview's grid has the real images above it: with_real_data)
        picture["real_row"] = True
    return {"token": None, "payload": {"schema": payload.SCHEMA, "run": 0, "version": -1, "step": 0, "status": "idle",
                                       "its": 0.0, "button": "Pause", "status_html": payload.html_of(NO_RUN),
                                       "alerts_html": payload.html_of(alerts_text(Snapshot())), "note": "",
                                       "objective": "", "probability": True,
                                       "history": {"from": 0, "rows": {}}, "picture": picture}}


def preview_visual(cfg: RunConfig) -> dict | None:
    """Before any run: the untrained G for these settings, i.e. what a run's step 0 shows (same seed,
    same fixed noise), so the tab never opens on an empty frame. None for a dataset that must be
    downloaded (a preview must not start a download), an uploaded image folder (decoding it is the run
    process's work, not the web server's) or settings that cannot build a run.

    A page's link can ask for any settings, and each new seed or width was a new network built in the
    web server (a DCGAN of width 256: ~0.25 s of CPU). So what a link can make the server build is
    bounded: 2D settings (an MLP: ~60 ms at the widgets' largest) are drawn and kept in an LRU of
    PREVIEW_CACHE; image settings only when they are a shipped preset's own (a fixed set of a few, each
    drawn once): any other image settings show their first frame when their run starts."""
    if cfg.data.name in DOWNLOAD_DATASETS or cfg.data.name == "folder":  # (an upload is read by its run's process)
        return None
    try:
        if cfg.data.is_points:
            return _points_preview(cfg)
        return _image_preview(cfg) if cfg in shipped_image_configs() else None
    except Exception:  # ConfigError / DatasetError: the Start button says why
        return None


@functools.cache
def shipped_image_configs() -> frozenset:
    """The shipped presets' own configs on image data: the only image settings a preview builds."""
    configs = map(get_preset, PRESETS)
    return frozenset(c for c in configs if not c.data.is_points and c.data.name not in DOWNLOAD_DATASETS)


@functools.lru_cache(maxsize=PREVIEW_CACHE)  # the same few presets for a whole class: computed once each
def _points_preview(cfg: RunConfig) -> dict:
    return _preview(cfg)


@functools.lru_cache(maxsize=None)  # at most len(shipped_image_configs())
def _image_preview(cfg: RunConfig) -> dict:
    return _preview(cfg, real_too=True)


REAL_ROW = 8  # real images shown above the untrained G's grid
REAL_LABEL = "Real data: what G must learn to make"
FAKE_LABEL = "G now, untrained: flat grey. Press Start"
PREVIEW_SIDE = 520  # the composite's least width, px (the text is drawn at that size, not blown up after)


def with_real_data(samples: np.ndarray, real) -> np.ndarray:
    """The untrained G's grid (uint8 [H, W, 3]) under a row of the real images it must learn (issue #26:
    the digits preset opened on a flat grey grid, nothing to see at a glance), each part labelled."""
    from PIL import Image, ImageDraw, ImageFont

    from gan_core.pictures.viz import image_grid

    scale = -(-PREVIEW_SIDE // samples.shape[1])
    samples = samples[..., :3].repeat(scale, 0).repeat(scale, 1)  # (nearest: pixels stay sharp)
    width = samples.shape[1]
    row = Image.fromarray(image_grid(real[:REAL_ROW], nrow=REAL_ROW, pad=2, min_side=width))
    row = np.asarray(row.resize((width, round(row.height * width / row.width)), Image.NEAREST))
    font = ImageFont.load_default(size=max(12, width // 28))

    def label(text: str) -> np.ndarray:
        band = Image.new("RGB", (width, int(font.size * 1.7)), "white")
        ImageDraw.Draw(band).text((4, band.height // 2), text, fill="black", font=font, anchor="lm")
        return np.asarray(band)

    gap = np.full((font.size // 2, width, 3), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([label(REAL_LABEL), row, gap, label(FAKE_LABEL), samples]))


def _preview(cfg: RunConfig, real_too: bool = False) -> dict:
    """{"field", "samples"} of the untrained G (Trainer.render), its arrays read-only: shared by every session.
    real_too (images): the samples under a row of real images (with_real_data)."""
    trainer = Trainer(cfg, device="cpu")
    visual = trainer.render()
    if real_too and visual["samples"] is not None:
        visual["samples"] = with_real_data(visual["samples"], trainer.gan.data.x.cpu())
    for value in [visual["samples"]] + list((visual["field"] or {}).values()):
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return visual


def preview_cache_sizes() -> tuple[int, int]:
    """(2D pictures, image pictures) kept now: each bounded whatever links arrive."""
    return _points_preview.cache_info().currsize, _image_preview.cache_info().currsize


def picture_file(snap: Snapshot, layers, folder: str | Path) -> str | None:
    """The picture of a snapshot as a PNG file for gr.Image (None: no picture): the projector's focus,
    a room's class run (one picture for many pages)."""
    image = visual_image(snap, layers)
    return None if image is None else png_file(image, folder)


def png_file(image: np.ndarray | bytes, folder: str | Path) -> str:
    """The picture as folder/<content hash>/frame.png, for a gr.Image output. Given Gradio's own
    cache folder (a component's GRADIO_CACHE) Gradio serves the file as it is, and deletes it with
    its other temporary files; given an array it would encode it at zlib level 6 and hash the
    result each poll. Level 1 halves the encoding time (~5 ms for the 460 px field) for ~15% more
    bytes. The same frame asked for twice (a preset's first frame after each Reset) is written
    once and touched again, since Gradio's delete_cache ages its files by ctime."""
    data = image if isinstance(image, bytes) else png_bytes(image, compress_level=1)
    path = Path(folder) / hashlib.blake2b(data, digest_size=16).hexdigest() / "frame.png"
    try:
        os.utime(path)  # still in use: not to be aged out from under the page that gets it now
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(dir=path.parent, prefix=".frame.")  # whole file or none
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(staging, path)
    return str(path)


def export_files(snap: Snapshot, folder: Path, layers=FIELD_LAYERS) -> list[str]:
    """Write gan_history.csv and gan_<samples|field>.png into folder; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "gan_history.csv"
    csv_path.write_text(history_csv(snap))
    paths = [str(csv_path)]
    image = visual_image(snap, layers)
    if image is not None:
        png_path = folder / ("gan_field.png" if snap.field is not None else "gan_samples.png")
        png_path.write_bytes(png_bytes(image))
        paths.append(str(png_path))
    return paths


def history_csv(snapshot: Snapshot) -> str:
    """The loss history as CSV text: step and one column per series."""
    h = snapshot.history
    cols = ["step"] + [k for k in SERIES if k in h]
    lines = [",".join(cols)]
    for i, step in enumerate(h["step"]):
        row = [str(step)] + [("" if h[k][i] is None or np.isnan(h[k][i]) else f"{h[k][i]:.6g}") for k in cols[1:]]
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"
