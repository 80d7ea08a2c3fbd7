"""The Train tab's "Your own data" panel: draw a 2D distribution, or upload points or images.

- Draw: a <canvas> in a gr.HTML (ui/train/draw_canvas.js) writes its strokes as JSON into a hidden
  textbox (#draw-points); the textbox's change event validates them here (gan_core/data/own_points.py).
- Upload: a .csv / .txt / .npy file of two columns (your own points), or a .zip of images (the
  engine's `folder` dataset), each checked before anything is built from it.

What a tab gave is an `OwnData` kept on the server per tab (`OwnStore`, keyed by the session like
the tab's run, bounded): not a gr.State, so the Train tab's Start / Step / Reset events keep their
inputs and API as they were. The tab folds it into a run's config with `OwnPanel.overrides`. A
drawing or an upload also switches the Dataset dropdown to "points" or "folder" and, in the same
event, runs the tab's usual dataset handler (recommended settings, the untrained G on the new data).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from gan_core.config import OWN_POINTS, ConfigError
from gan_core.data.own_images import MAX_ARCHIVE_BYTES, check_image_zip
from gan_core.data.own_points import (
    MAX_OWN_POINTS,
    OWN_POINTS_STD,
    POINT_FILE_TYPES,
    as_config_points,
    points_from_drawing,
    points_from_file,
)
from gan_core.errors import DatasetError
from ui import temp_files
from ui.common import bind, session_id

log = logging.getLogger(__name__)

OWN_IMAGES = "folder"  # the engine's image-folder dataset
ARCHIVES = temp_files.ROOT / "own-images"  # validated uploads, named by their content's digest
MAX_ARCHIVES = 32  # kept at once on the server (the oldest go first): at most 32 x 64 MB
MAX_TABS = 100  # tabs whose own data the server keeps (the least recently used go first): <= 100 x ~200 KB
DRAW_JS = (Path(__file__).parent / "draw_canvas.js").read_text()
CANVAS_HTML = """<div class="draw-wrap">
  <canvas id="draw-canvas" width="480" height="480" aria-label="Drawing canvas: draw your own 2D data"></canvas>
  <div class="draw-bar"><button type="button" class="draw-clear">Clear</button>
    <span>Draw with a mouse or a finger; each stroke becomes real data.</span></div>
</div>"""
CANVAS_CSS = """
#draw-canvas { width: 100%; max-width: 480px; aspect-ratio: 1; touch-action: none; display: block;
               border: 1px solid var(--border-color-primary); border-radius: 6px; background: #fafaf5;
               cursor: crosshair; }
.draw-bar { display: flex; gap: 8px; align-items: center; margin-top: 6px; font-size: 0.85em; }
.draw-clear { padding: 2px 10px; border: 1px solid var(--border-color-primary); border-radius: 4px; }
"""
HELP = (f"<small>Points: **draw** above, or **upload** a .csv / .npy of two columns (x, y; at most "
        f"{MAX_OWN_POINTS:,} rows; scaled into the plane the models use). Images: a **.zip** of PNG or JPEG "
        f"files (at most {MAX_ARCHIVE_BYTES // 2**20} MB; limits in docs/SECURITY.md). Then press Start.</small>")


@dataclass(frozen=True)
class OwnData:
    """A tab's own data: the points it drew or uploaded, and the images archive it uploaded."""

    points: tuple[tuple[float, float], ...] = ()  # [N, 2] in the models' plane (a DataConfig's points)
    archive: str = ""  # a validated .zip under ARCHIVES (a path the server chose, never a client's)


class OwnStore:
    """session id -> OwnData, the MAX_TABS most recently used (thread-safe: events run in threads)."""

    def __init__(self, max_tabs: int = MAX_TABS):
        self.max_tabs = max_tabs
        self._data: OrderedDict[str, OwnData] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: str) -> OwnData:
        with self._lock:
            if session in self._data:
                self._data.move_to_end(session)
            return self._data.get(session, OwnData())

    def put(self, session: str, own: OwnData) -> None:
        with self._lock:
            self._data[session] = own
            self._data.move_to_end(session)
            while len(self._data) > self.max_tabs:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class OwnPanel:
    drawing: gr.Textbox
    upload: gr.File
    message: gr.Markdown
    store: OwnStore = field(default_factory=OwnStore)

    def overrides(self, request, dataset: str) -> dict:
        """What this tab's run config on `dataset` takes from its own data (see data_overrides)."""
        return data_overrides(self.store.get(session_id(request)), dataset)


def data_overrides(own: OwnData | None, dataset: str) -> dict:
    """What the DataConfig of `dataset` takes from the tab's own data ({} for the built-in sets).
    Raises ConfigError with a sentence when an own dataset is picked before anything was given."""
    own = own if isinstance(own, OwnData) else OwnData()
    if dataset == OWN_POINTS:
        if not own.points:
            raise ConfigError("Draw on the canvas or upload a .csv / .npy of points first (Your own data).")
        return {"points": own.points}
    if dataset == OWN_IMAGES:
        if not own.archive:
            raise ConfigError("Upload a .zip of your images first (Your own data).")
        return {"path": own.archive}
    return {}


def from_drawing(text: str, own: OwnData | None) -> tuple[OwnData | None, str]:
    """The canvas's JSON -> (the tab's new own data, or None when nothing changed; a message).
    An empty canvas (Clear) forgets the tab's own points."""
    own = own if isinstance(own, OwnData) else OwnData()
    if not isinstance(text, str) or not text.strip():  # the Clear button: no own points any more
        return OwnData((), own.archive), "Canvas cleared: draw (or upload points), then press Start."
    try:
        pts = points_from_drawing(text)
    except DatasetError as e:
        return None, f"⚠️ {e}"
    return OwnData(as_config_points(pts), own.archive), (
        f"**{len(pts):,} points** from your drawing (plus Gaussian noise of std {OWN_POINTS_STD} when the "
        "training set is drawn). Dataset set to **points**: press **Start**.")


def from_upload(path: str | None, own: OwnData | None) -> tuple[OwnData | None, str | None, str]:
    """An uploaded file -> (the tab's new own data or None, the dataset it selects or None, a message).

    Gradio keeps an upload at <its cache>/<digest of the content>/<name>: one file for every session that
    uploads the same bytes (a class uploading the teacher's CSV), deleted by its own `delete_cache`. So
    the file is never deleted or changed here: a points file is read once (bounded) into this request's
    memory, an archive copied to a file of this request's own, and everything after reads that."""
    own = own if isinstance(own, OwnData) else OwnData()
    if not path:
        return None, None, ""
    name = Path(path).name
    shown = repr(name[:60])
    try:
        if name.lower().endswith(POINT_FILE_TYPES):
            raw = _read_bounded(Path(path))
            pts = points_from_file(name, raw)
            return OwnData(as_config_points(pts), own.archive), OWN_POINTS, (
                f"**{len(pts):,} points** from {name[:60]}, centred and scaled into the plane the models use. "
                "Dataset set to **points**: press **Start**.")
        if name.lower().endswith(".zip"):
            copy, digest = private_copy(Path(path))
            try:
                images = check_image_zip(copy, shown_name=name)
                kept = keep_archive(copy, digest)
            finally:
                copy.unlink(missing_ok=True)  # (moved into place when kept)
            return OwnData(own.points, str(kept)), OWN_IMAGES, (
                f"**{images:,} image files** in {name[:60]} (files that do not decode are skipped). "
                "Dataset set to **folder**: press **Start**.")
    except DatasetError as e:
        return None, None, f"⚠️ {e}"
    except OSError as e:  # its text names a server path (Gradio's cache, ours): never shown
        log.warning("upload %r could not be read: %s", name[:60], e)
        return None, None, (f"⚠️ {shown} could not be read on the server ({e.strerror or 'an input/output error'}). "
                            "Upload it again.")
    return None, None, f"⚠️ {shown}: upload points as .csv, .txt or .npy, or images as a .zip."


def _read_bounded(path: Path) -> bytes:
    """At most one byte more than a points file may have (points_from_file then refuses it)."""
    from gan_core.data.own_points import MAX_FILE_BYTES

    with path.open("rb") as f:
        return f.read(MAX_FILE_BYTES + 1)


def private_copy(path: Path) -> tuple[Path, str]:
    """Copy an upload to a file of this request's own under ARCHIVES (a name the server chose), hashing it
    on the way: (the copy, its SHA-256 digest, 32 hex digits). At most MAX_ARCHIVE_BYTES + 1 bytes are
    copied (check_image_zip then refuses it). The caller deletes the copy, or keep_archive moves it."""
    ARCHIVES.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=ARCHIVES, prefix=".incoming-", suffix=".part")
    digest = hashlib.sha256()
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            left = MAX_ARCHIVE_BYTES + 1
            while left > 0 and (block := src.read(min(1 << 20, left))):
                digest.update(block)
                dst.write(block)
                left -= len(block)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), digest.hexdigest()[:32]


def keep_archive(copy: Path, digest: str) -> Path:
    """Move a validated private copy to ARCHIVES/<digest>.zip (the same images twice: one file; two
    sessions at once: each move is atomic and the bytes are the same), keeping the MAX_ARCHIVES most
    recently used. A run's process reads it from there when it is built."""
    kept = ARCHIVES / f"{digest}.zip"
    os.replace(copy, kept)  # also marks it the most recently used (a new mtime)
    aged = []
    for p in ARCHIVES.glob("*.zip"):
        try:
            aged.append((p.stat().st_mtime, p))
        except FileNotFoundError:  # pruned by another request meanwhile
            continue
    for _, p in sorted(aged, reverse=True)[MAX_ARCHIVES:]:
        if p != kept:
            p.unlink(missing_ok=True)
    return kept


def build() -> OwnPanel:
    """The panel's components (call inside the Train tab's controls column)."""
    with gr.Accordion("Your own data: draw or upload", open=False, elem_id="own-data"):
        gr.HTML(CANVAS_HTML, css_template=CANVAS_CSS, js_on_load=DRAW_JS, elem_id="draw-panel")
        drawing = gr.Textbox("", visible="hidden", elem_id="draw-points", max_lines=1)
        upload = gr.File(label="Upload points (.csv, .npy) or images (.zip)", file_count="single",
                         file_types=[".csv", ".txt", ".npy", ".zip"], type="filepath", elem_id="own-upload",
                         height=140)
        message = gr.Markdown(HELP, elem_id="own-message")
    return OwnPanel(drawing, upload, message)


def on_drawing(panel: OwnPanel, dataset: gr.Dropdown, choose, request: gr.Request, text, *values) -> dict:
    """The canvas changed: keep its points as the tab's own, and pick the points dataset."""
    sid = session_id(request)
    new, message = from_drawing(text, panel.store.get(sid))
    if new is None:
        return {panel.message: message}
    panel.store.put(sid, new)
    if not new.points:  # cleared: the dataset stays as it is (Start on "points" then asks for a drawing)
        return {panel.message: message}
    return {panel.message: message, dataset: OWN_POINTS, **choose(OWN_POINTS, *values, request)}


def on_upload(panel: OwnPanel, dataset: gr.Dropdown, choose, request: gr.Request, path, *values) -> dict:
    """A file uploaded: keep its points or images as the tab's own, and pick their dataset."""
    sid = session_id(request)
    new, name, message = from_upload(path, panel.store.get(sid))
    if new is None:
        return {panel.upload: None, panel.message: message or gr.skip()}
    panel.store.put(sid, new)
    return {panel.upload: None, panel.message: message, dataset: name, **choose(name, *values, request)}


def wire(panel: OwnPanel, dataset: gr.Dropdown, choose, inputs: list, outputs: list) -> None:
    """A drawing or an upload sets the tab's own data and the Dataset dropdown, then calls the Train
    tab's dataset handler `choose(dataset_name, *inputs' values, request)` (-> {component: value} among
    `outputs`: the recommended settings and the preview; {} when it cannot) in the same event; a refusal
    changes only the message."""
    panel.drawing.change(bind(on_drawing, panel, dataset, choose), [panel.drawing, *inputs],
                         [panel.message, dataset, *outputs], api_name="draw", show_progress="hidden",
                         trigger_mode="always_last")
    panel.upload.upload(bind(on_upload, panel, dataset, choose), [panel.upload, *inputs],
                        [panel.upload, panel.message, dataset, *outputs], api_name="own_upload")
