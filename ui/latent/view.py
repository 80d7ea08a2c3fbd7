"""What the Latent space tab shows, as data: the sliders, the latent z they stand for, and G(z)
as a picture. Plain PyTorch + numpy (+ matplotlib off the slider path); no gradio.

Two kinds of sliders:
- "dims": a small latent (the 2D models, nz <= 8) gets one slider per coordinate z[i];
- "pca":  a larger latent gets sliders along G's top principal directions (GANSpace-style):
          z = z_seed + sum_k c_k d_k, unit directions d_k, each c_k within +-3 noise std.

The slider path (`latent_at` + `render`) does one forward pass of G on one latent and, for
images, a nearest-neighbour upscale; for 2D data it paints one marker onto a cached picture of
the data plane. It never calls matplotlib, and it runs on one dedicated single-threaded worker:
one small image gains nothing from two OpenMP threads, and on a busy 2-core machine a two-thread
team waiting for a core it cannot get multiplies the slider's tail latency (docs/LATENT_LATENCY.md).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.figure import Figure

from gan_core.config import MAX_SEED
from gan_core.frozen import Source
from gan_core.latent import Directions, interpolate, latent_norm_profile, principal_directions, walk
from gan_core.pictures.viz import image_grid

from .plane import PlaneCanvas

MAX_SLIDERS = 8  # sliders the tab lays out; nz <= this gets one per coordinate
IMAGE_SIDE = 256  # displayed side of the single image, pixels (8x8 digits -> 32x upscale)
GIF_SIDE = 160

_DIRECTIONS: OrderedDict[int, tuple[Source, Directions]] = OrderedDict()  # id(source) -> (source, dirs)
_DIRECTIONS_MAX = 16  # live runs make a new Source per pick; keep the cache bounded
_LOCK = threading.Lock()


def _single_threaded_worker() -> ThreadPoolExecutor:
    """A one-thread pool whose torch ops use a single OpenMP thread, leaving the process default alone.

    torch.set_num_threads sets the calling thread's OpenMP team size *and* the default that new
    threads pick up; so the worker sets 1 for itself (after its lazy init), then this thread puts
    the default back, before anything else can start a thread. Training threads keep their cores.
    """
    default = torch.get_num_threads()

    def init() -> None:
        torch.get_num_threads()  # the thread's lazy init: it would otherwise reset the size on its first op
        torch.set_num_threads(1)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="latent-render", initializer=init)
    pool.submit(lambda: None).result()  # start the worker now
    torch.set_num_threads(default)
    return pool


_RENDER: ThreadPoolExecutor | None = None  # started on the first render, not at import


_RENDER_LOCK = threading.Lock()


def _render_pool() -> ThreadPoolExecutor:
    global _RENDER
    with _RENDER_LOCK:
        if _RENDER is None:
            _RENDER = _single_threaded_worker()
        return _RENDER


def noise_std(source: Source) -> float:
    """Std of one latent coordinate: 1 for N(0, 1), 1/sqrt(3) for U(-1, 1)."""
    return 1.0 / math.sqrt(3.0) if source.cfg.model.noise == "uniform" else 1.0


def typical_norm(source: Source) -> float:
    """Where almost all latents lie: |z| ~ sqrt(nz) * std (a thin shell once nz is large)."""
    return math.sqrt(source.nz) * noise_std(source)


def conditional_classes(source: Source) -> int:
    """How many classes the class picker offers: 0 for an unconditional G."""
    return source.num_classes


def class_labels(n: int, num_classes: int) -> torch.Tensor:
    """[n] labels 0, 1, ..., K-1, 0, 1, ... (so every class is represented)."""
    return torch.arange(n) % num_classes


def directions_for(source: Source, k: int = MAX_SLIDERS) -> Directions:
    """G's principal directions in latent space, computed once per Source (about 0.1-0.5 s)."""
    with _LOCK:
        hit = _DIRECTIONS.get(id(source))
        if hit is not None and hit[0] is source:
            _DIRECTIONS.move_to_end(id(source))
            return hit[1]
    n = 512
    k_classes = conditional_classes(source)
    y = class_labels(n, k_classes) if k_classes else None
    dirs = principal_directions(source.G, source.nz, n_samples=n, n_directions=k, seed=0, y=y,
                                noise=source.cfg.model.noise)
    with _LOCK:
        _DIRECTIONS[id(source)] = (source, dirs)  # holding the source keeps its id from being reused
        while len(_DIRECTIONS) > _DIRECTIONS_MAX:
            _DIRECTIONS.popitem(last=False)
    return dirs


@dataclass
class LatentView:
    """One source as the tab sees it: which sliders, their range and labels, and the 2D canvas."""

    source: Source
    mode: str  # "dims" (slider i is z[i]) or "pca" (slider k moves z along direction k)
    span: float  # every slider runs from -span to +span
    labels: list[str]  # one per slider in use (len <= MAX_SLIDERS)
    directions: Directions | None = None  # pca mode only
    plane: PlaneCanvas | None = None  # 2D data only

    @property
    def n_sliders(self) -> int:
        return len(self.labels)


def make_view(source: Source) -> LatentView:
    std = noise_std(source)
    plane = PlaneCanvas.for_source(source) if source.is_points else None
    if source.nz <= MAX_SLIDERS:
        span = 1.0 if source.cfg.model.noise == "uniform" else 3.0
        return LatentView(source, "dims", span, [f"z[{i}]" for i in range(source.nz)], plane=plane)
    dirs = directions_for(source)
    labels = [f"direction {k + 1} ({100 * float(v):.0f}% of G's variance)"
              for k, v in enumerate(dirs.explained_variance)]
    return LatentView(source, "pca", 3.0 * std, labels, directions=dirs, plane=plane)


def checked_seed(seed) -> int:
    """A seed from the page as an int in [0, MAX_SEED], or ValueError with a sentence saying why not."""
    try:
        value = int(seed or 0)
    except (TypeError, ValueError, OverflowError):  # "abc", NaN, Infinity
        raise ValueError(f"the seed must be a whole number; got {str(seed)[:30]!r}.") from None
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"the seed must be between 0 and {MAX_SEED:,}; got {str(seed)[:30]}.")
    return value


def seed_latent(view: LatentView, seed: int) -> torch.Tensor:
    """The seed's latent z [nz] (same z for the same seed on any machine)."""
    return view.source.sample_z(1, checked_seed(seed))[0].cpu()


def slider_values(view: LatentView, seed: int) -> list[float]:
    """Where the sliders sit for a fresh seed (and after "reset"): the seed's own coordinates in
    dims mode (clipped to the slider range), zero offsets along every direction in pca mode."""
    if view.mode == "pca":
        return [0.0] * view.n_sliders
    z = seed_latent(view, seed).clamp(-view.span, view.span)
    return [round(float(v), 2) for v in z]


def latent_at(view: LatentView, seed: int, values) -> torch.Tensor:
    """The latent z [nz] that the sliders stand for."""
    try:
        values = torch.as_tensor([float(v) for v in values[: view.n_sliders]], dtype=torch.float32)
    except (TypeError, ValueError) as e:
        raise ValueError(f"slider values must be numbers ({e}).") from None
    values = values.nan_to_num(0.0).clamp(-view.span, view.span)  # the sliders' own range, whatever was sent
    if view.mode == "dims":
        return values
    return walk(seed_latent(view, seed), view.directions, values)  # z_seed + sum_k c_k d_k


def render(view: LatentView, z: torch.Tensor, y: int | None = None) -> np.ndarray:
    """G(z) as uint8 RGB [H, W, 3]: the upscaled image, or the point on the data plane."""
    return _render_pool().submit(_render, view, z, y).result()


def render_all_classes(view: LatentView, z: torch.Tensor) -> np.ndarray | None:
    """One latent under every class of a conditional G: K images in two rows (None if unconditional)."""
    if not conditional_classes(view.source) or view.plane is not None:
        return None
    return _render_pool().submit(_render_all_classes, view, z).result()


@torch.inference_mode()
def _render(view: LatentView, z: torch.Tensor, y: int | None) -> np.ndarray:
    x = view.source.generate(z.reshape(1, -1), None if y is None else int(y))  # [1, 2] or [1, C, H, W]
    if view.plane is not None:
        return view.plane.with_points(x.cpu().numpy())
    return image_grid(x, nrow=1, pad=0, min_side=IMAGE_SIDE)


@torch.inference_mode()
def _render_all_classes(view: LatentView, z: torch.Tensor) -> np.ndarray:
    k = conditional_classes(view.source)
    x = view.source.generate(z.reshape(1, -1).expand(k, -1), class_labels(k, k))  # [K, C, H, W]
    return image_grid(x, nrow=(k + 1) // 2, pad=2, min_side=560)  # two rows


@dataclass
class Interpolation:
    """Both paths between two seeds' latents, as pictures and as |z| along the path."""

    lerp: np.ndarray  # uint8 [H, W, 3]: the frames in a grid, or the path across the data plane
    slerp: np.ndarray
    lerp_norms: np.ndarray  # [T] |z| at each frame
    slerp_norms: np.ndarray
    slerp_path: torch.Tensor  # [T, nz] (for the GIF)


@torch.no_grad()
def interpolate_seeds(view: LatentView, seed_a: int, seed_b: int, n_frames: int, y: int | None = None) -> Interpolation:
    """n_frames latents from seed A's z to seed B's z by lerp and by slerp, and what G makes of them."""
    src = view.source
    z0, z1 = seed_latent(view, seed_a), seed_latent(view, seed_b)
    paths = {m: interpolate(z0, z1, n_frames, m) for m in ("lerp", "slerp")}  # [T, nz] each
    labels = None if y is None else torch.full((n_frames,), int(y))
    pictures = {}
    for m, path in paths.items():
        if view.plane is None:
            # rows of 4: frames a quarter of the column wide, on a phone too (8 in a row were ~60 px tall)
            pictures[m] = image_grid(src.generate(path, labels), nrow=min(n_frames, 4), pad=2, min_side=560)
        else:  # the curve G traces across the plane, drawn densely, with the frames as dots
            curve = src.generate(interpolate(z0, z1, 64, m)).cpu().numpy()
            frames = src.generate(path).cpu().numpy()
            pictures[m] = view.plane.with_paths({m: (curve, frames)}, f"{m}: G(z) from seed A to seed B")
    return Interpolation(pictures["lerp"], pictures["slerp"], latent_norm_profile(paths["lerp"]).numpy(),
                         latent_norm_profile(paths["slerp"]).numpy(), paths["slerp"])


def norm_figure(interp: Interpolation, source: Source) -> Figure:
    """|z| along both paths against the shell where the noise distribution puts almost every z."""
    t = np.linspace(0, 1, len(interp.lerp_norms))
    fig = Figure(figsize=(5.0, 2.4), dpi=80)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(t, interp.lerp_norms, "o-", ms=3, color="#2166ac", label="lerp")
    ax.plot(t, interp.slerp_norms, "o-", ms=3, color="#e66101", label="slerp")
    ax.axhline(typical_norm(source), color="0.4", ls="--", lw=1,
               label=f"typical |z| = {typical_norm(source):.1f} (nz = {source.nz})")
    ax.set_xlabel("t (A -> B)", fontsize=8)
    ax.set_ylabel("|z|", fontsize=8)
    ax.set_ylim(0, max(interp.lerp_norms.max(), interp.slerp_norms.max(), typical_norm(source)) * 1.15)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def gif_frames(view: LatentView, path: torch.Tensor, y: int | None = None) -> list[np.ndarray]:
    """One uint8 frame per latent of a path [T, nz] (images at GIF_SIDE px, or the moving point)."""
    with torch.no_grad():
        labels = None if y is None else torch.full((len(path),), int(y))
        x = view.source.generate(path, labels)  # [T, 2] or [T, C, H, W]
    if view.plane is not None:
        return [view.plane.with_points(x[i: i + 1].cpu().numpy()) for i in range(len(path))]
    return [image_grid(x[i: i + 1], nrow=1, pad=0, min_side=GIF_SIDE) for i in range(len(path))]


def write_gif(frames: list[np.ndarray], path, ms_per_frame: int = 120, bounce: bool = True) -> None:
    """An endlessly looping GIF; bounce=True plays the walk forward, then back (no jump at the seam)."""
    from PIL import Image

    seq = list(frames) + (list(frames[-2:0:-1]) if bounce else [])
    images = [Image.fromarray(f) for f in seq]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
