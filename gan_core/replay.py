"""Replays: a recorded training run, frame by frame, scrubbed in the browser at no training cost.

One file, `<name>.replay.npz` (a zip of .npy arrays, never pickles), plus a JSON sidecar for people.
A frame is what the Train tab showed at one step: the picture's data (2D: the field's arrays,
redrawn by gan_core.pictures.field_draw; images: the fixed-noise samples as uint8), the live metrics at that
step, and the curves up to it (one history for the whole run, cut at the frame's step).

Arrays in the npz (F frames, R history rows):
    meta          uint8 [L]            the index as UTF-8 JSON (format, config, steps, metrics, ...)
    history_step  int32 [R]            the step of each history row
    history       float32 [R, S]       the mean of each series over the log_every steps before it
  2D points:
    real          float16 [n_real, 2]  real points (the same in every frame)
    fake          float16 [F, P, 2]    G(fixed z)
    fake_d        float16 [F, P]       D's output on them
    arrows        float16 [F, P, 2]    -dL_G/dx, divided by its 90th-percentile length (the drawing
                                       rescales it the same way, and float16 keeps tiny gradients)
    heat          float16 [F, r, r]    D on a grid over the view, rows = y
    manifold      float16 [F, m, m, 2] G of a noise grid
  images:
    samples       uint8 [F, N, C, H, W]  G(fixed z) in 0..255

`load(path)` validates before it allocates: the file's size, every zip entry's name and declared
size, every array's dtype and shape from its .npy header, then the JSON index (length, nesting,
types, steps) and the values (finite). A hostile file is refused with a `ReplayError` sentence.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gan_core.config import ConfigError, RunConfig
from gan_core.errors import ClassroomError

FORMAT = "gan-classroom-replay"
FORMAT_VERSION = 1
SUFFIX = ".replay.npz"
MAX_BYTES = 16 * 1024 * 1024  # a file larger than this is refused before it is opened (a real one: < 2 MB)
MAX_ARRAY_BYTES = 32 * 1024 * 1024  # one array, uncompressed (mnist5k's samples: ~3 MB)
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # all arrays together, uncompressed
MAX_META_CHARS = 200_000  # the JSON index (a real one: ~20 kB)
MAX_FRAMES = 240
MAX_ROWS = 20_000  # history rows
MAX_POINTS = 4096  # fake points per frame
MAX_GRID = 64  # heat map / noise grid side
MAX_IMAGES, MAX_SIDE = 100, 64  # samples per frame, image side
MAX_STEP = 10**9
SERIES = ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")
METRIC_KEYS = ("modes_covered", "n_modes", "high_quality_fraction", "kl_to_uniform", "classes_covered",
               "n_classes", "mean_confidence")
POINT_ARRAYS = ("real", "fake", "fake_d", "arrows", "heat", "manifold")
ARRAYS = {"meta": np.uint8, "history_step": np.int32, "history": np.float32, "real": np.float16,
          "fake": np.float16, "fake_d": np.float16, "arrows": np.float16, "heat": np.float16,
          "manifold": np.float16, "samples": np.uint8}


class ReplayError(ClassroomError, ValueError):
    """A replay file that cannot be used, with a sentence saying why."""


@dataclass(frozen=True)
class Replay:
    """A loaded replay: its index and its arrays, decoded once (every slider position reads them)."""

    name: str  # the file's name without .replay.npz
    meta: dict  # the JSON index, validated
    cfg: RunConfig
    steps: tuple[int, ...]  # [F] the step of each frame: 0, every, 2 * every, ...
    metrics: tuple[dict, ...]  # [F] the live metrics at each frame ({} where none)
    history_step: np.ndarray  # int32 [R]
    history: np.ndarray  # float32 [R, S]
    arrays: dict  # the picture arrays above (read-only)

    @property
    def is_points(self) -> bool:
        return "fake" in self.arrays

    @property
    def n_frames(self) -> int:
        return len(self.steps)

    @property
    def every(self) -> int:
        return self.steps[1] - self.steps[0] if len(self.steps) > 1 else 1

    @property
    def series(self) -> tuple[str, ...]:
        return tuple(self.meta["series"])

    @property
    def nbytes(self) -> int:
        return int(self.history.nbytes + self.history_step.nbytes + sum(a.nbytes for a in self.arrays.values()))

    def field(self, i: int) -> dict:
        """Frame i as a compute_field() dict, for field_draw.draw_field (float32 views of the arrays)."""
        a, m = self.arrays, self.meta
        return {"bounds": tuple(m["bounds"]), "real": a["real"], "fake": a["fake"][i], "fake_d": a["fake_d"][i],
                "arrows": a["arrows"][i], "heat": a["heat"][i], "manifold": a["manifold"][i],
                "probability": bool(m["probability"]),
                "centers": None if m.get("centers") is None else np.asarray(m["centers"], dtype=np.float64)}

    def history_until(self, i: int) -> dict[str, np.ndarray]:
        """The curves up to frame i's step: {"step": [r], series: [r]} (numpy views)."""
        r = int(np.searchsorted(self.history_step, self.steps[i], side="right"))
        return {"step": self.history_step[:r], **{k: self.history[:r, j] for j, k in enumerate(self.series)}}


# ---------------------------------------------------------------------------------------- writing

def replay_path(checkpoint_path: str | Path) -> Path:
    """Where the replay of a checkpoint (`<name>.safetensors`) goes: next to it, `<name>.replay.npz`."""
    p = Path(checkpoint_path)
    return p.with_name(p.stem + SUFFIX)


def save(path: str | Path, meta: dict, history_step, history, arrays: dict) -> Path:
    """Write the replay (compressed npz) and its JSON sidecar for people. Returns the .npz path."""
    path = Path(path)
    if not path.name.endswith(SUFFIX):
        raise ReplayError(f"a replay file's name ends in {SUFFIX}; got {path.name!r}.")
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta}
    text = json.dumps(meta, sort_keys=True, allow_nan=False)
    out = {"meta": np.frombuffer(text.encode(), dtype=np.uint8),
           "history_step": np.asarray(history_step, dtype=np.int32),
           "history": np.asarray(history, dtype=np.float32).reshape(len(history_step), len(meta["series"]))}
    out.update({k: np.ascontiguousarray(v, dtype=ARRAYS[k]) for k, v in arrays.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, **out)
    path.write_bytes(buf.getvalue())
    path.with_name(path.name[: -len(".npz")] + ".json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return path


# ---------------------------------------------------------------------------------------- reading

def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the npz, each checked by its declared size and .npy header before it is read."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ReplayError(f"{path.name} is {size / 2**20:.1f} MB; a replay is at most {MAX_BYTES // 2**20} MB.")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ReplayError(f"{path.name} is not a replay (not a readable .npz archive: {e}).") from e
    with zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        unknown = [n for n in names if not n.endswith(".npy") or n[:-4] not in ARRAYS]
        if unknown or len(set(names)) != len(names):
            raise ReplayError(f"{path.name} holds entries a replay does not have: {str(unknown or names)[:80]}.")
        total = sum(i.file_size for i in infos)
        if max((i.file_size for i in infos), default=0) > MAX_ARRAY_BYTES or total > MAX_TOTAL_BYTES:
            raise ReplayError(f"{path.name} would unpack to {total / 2**20:.0f} MB; a replay is far smaller.")
        out = {}
        for info in infos:
            key = info.filename[:-4]
            try:
                with zf.open(info) as f:  # reads at most the declared file_size, checked above
                    out[key] = _read_npy(f, key, info.file_size)
            except ReplayError:
                raise
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as e:
                raise ReplayError(f"{path.name}: its {key!r} array cannot be read ({type(e).__name__}: "
                                  f"{str(e)[:80]}).") from e
    return out


def _read_npy(f, key: str, declared: int) -> np.ndarray:
    """One .npy stream: header first (dtype and shape must fit the entry's size), then the data."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ReplayError(f"its {key!r} array has .npy version {version}.")
    want = np.dtype(ARRAYS[key])
    if dtype != want or fortran:  # (an object dtype, which would need pickle, is refused here)
        raise ReplayError(f"its {key!r} array is {dtype} (fortran order: {fortran}); a replay stores {want}.")
    count = math.prod(shape)
    if count * want.itemsize > declared:
        raise ReplayError(f"its {key!r} array claims shape {shape}, more than its entry holds.")
    data = f.read(count * want.itemsize)
    if len(data) != count * want.itemsize:
        raise ReplayError(f"its {key!r} array is truncated.")
    array = np.frombuffer(data, dtype=want).reshape(shape)
    array.flags.writeable = False  # shared by every session that scrubs it
    return array


def _check(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise ReplayError(f"{name} is not a usable replay: {why}.")


def _plain_number(v) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


def _meta(name: str, raw: np.ndarray) -> dict:
    _check(raw.ndim == 1 and raw.size <= MAX_META_CHARS, name, f"its index is over {MAX_META_CHARS:,} bytes")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:  # RecursionError: nested thousands deep
        raise ReplayError(f"{name} is not a usable replay: its index is not JSON ({type(e).__name__}).") from e
    _check(isinstance(meta, dict) and meta.get("format") == FORMAT, name, "its index is not a GAN Classroom replay's")
    _check(meta.get("format_version") == FORMAT_VERSION, name,
           f"format version {str(meta.get('format_version'))[:20]}, this app reads {FORMAT_VERSION}")
    for key in ("title", "command", "preset", "created", "checkpoint"):
        _check(isinstance(meta.get(key, ""), str) and len(meta.get(key, "")) <= 2000, name,
               f"its {key} is not short text")
    _check(isinstance(meta.get("seed", 0), int), name, "its seed is not a whole number")
    steps = meta.get("steps")
    _check(isinstance(steps, list) and 1 <= len(steps) <= MAX_FRAMES and all(type(s) is int for s in steps),
           name, f"its frame steps must be 1 to {MAX_FRAMES} whole numbers")
    every = steps[1] - steps[0] if len(steps) > 1 else 1
    _check(steps[0] == 0 and every >= 1 and steps[-1] <= MAX_STEP and
           all(b - a == every for a, b in zip(steps, steps[1:])), name,
           "its frames must start at step 0 and be evenly spaced")
    metrics = meta.get("metrics")
    _check(isinstance(metrics, list) and len(metrics) == len(steps), name, "it needs one metrics entry per frame")
    for m in metrics:
        _check(isinstance(m, dict) and set(m) <= set(METRIC_KEYS) and all(_plain_number(v) for v in m.values()),
               name, f"a frame's metrics may only be numbers named {', '.join(METRIC_KEYS)}")
    series = meta.get("series")
    _check(isinstance(series, list) and len(series) >= 1 and set(series) <= set(SERIES) and
           len(set(series)) == len(series), name, f"its curves must be among {', '.join(SERIES)}")
    return meta


def _check_points(name: str, a: dict, meta: dict, n_frames: int) -> None:
    _check(all(k in a for k in POINT_ARRAYS) and "samples" not in a, name, "its 2D frames are incomplete")
    fake = a["fake"].shape
    _check(len(fake) == 3 and fake[0] == n_frames and 1 <= fake[1] <= MAX_POINTS and fake[2] == 2, name,
           f"its fake points are {fake}, not [{n_frames}, <= {MAX_POINTS}, 2]")
    _check(a["fake_d"].shape == fake[:2] and a["arrows"].shape == fake, name, "D's outputs or the arrows do not fit")
    _check(a["real"].ndim == 2 and a["real"].shape[1] == 2 and 1 <= a["real"].shape[0] <= MAX_POINTS, name,
           "its real points are not [n, 2]")
    heat, grid = a["heat"].shape, a["manifold"].shape
    _check(len(heat) == 3 and heat[0] == n_frames and 2 <= heat[1] == heat[2] <= MAX_GRID, name,
           "its heat maps are not square grids")
    _check(len(grid) == 4 and grid[0] == n_frames and 2 <= grid[1] == grid[2] <= MAX_GRID and grid[3] == 2, name,
           "its noise grids are not [F, m, m, 2]")
    bounds = meta.get("bounds")
    _check(isinstance(bounds, list) and len(bounds) == 4 and all(_plain_number(v) for v in bounds) and
           bounds[0] < bounds[1] and bounds[2] < bounds[3], name, "its view bounds are not (xmin, xmax, ymin, ymax)")
    centers = meta.get("centers")
    _check(centers is None or (isinstance(centers, list) and len(centers) <= 100 and all(
        isinstance(c, list) and len(c) == 2 and all(_plain_number(v) for v in c) for c in centers)), name,
        "its mode centres are not a short list of (x, y)")
    _check(isinstance(meta.get("probability"), bool), name, "it does not say whether D outputs probabilities")


def _check_images(name: str, a: dict, n_frames: int) -> None:
    _check("samples" in a and not any(k in a for k in POINT_ARRAYS), name, "it has neither 2D frames nor samples")
    s = a["samples"].shape
    _check(len(s) == 5 and s[0] == n_frames and 1 <= s[1] <= MAX_IMAGES and s[2] in (1, 3) and
           1 <= s[3] == s[4] <= MAX_SIDE, name, f"its samples are {s}, not [{n_frames}, N, 1 or 3, H, H]")


def load(path: str | Path) -> Replay:
    """Read and validate a replay (see the module docstring); any flaw raises ReplayError."""
    path = Path(path)
    if not path.name.endswith(SUFFIX) or not path.is_file():
        raise ReplayError(f"no replay file at {path.name} (a replay's name ends in {SUFFIX}).")
    name = path.name[: -len(SUFFIX)]
    a = _read_arrays(path)
    _check(all(k in a for k in ("meta", "history_step", "history")), name, "it lacks its index or its curves")
    meta = _meta(name, a.pop("meta"))
    try:
        cfg = RunConfig.from_dict(meta.get("config"))
    except (ConfigError, TypeError, ValueError, RecursionError) as e:
        raise ReplayError(f"{name} is not a usable replay: its config is invalid ({str(e)[:120]}).") from e
    steps = tuple(meta["steps"])
    hs, h = a.pop("history_step"), a.pop("history")
    _check(hs.ndim == 1 and hs.size <= MAX_ROWS and h.shape == (hs.size, len(meta["series"])), name,
           f"its curves are {h.shape}, not [{hs.size}, {len(meta['series'])}] with at most {MAX_ROWS:,} rows")
    _check(bool(np.all(np.diff(hs) > 0)) and (hs.size == 0 or (hs[0] >= 0 and hs[-1] <= steps[-1])), name,
           "its curves' steps do not rise within the run")
    if cfg.data.is_points:
        _check_points(name, a, meta, len(steps))
    else:
        _check_images(name, a, len(steps))
    for key, array in a.items():  # NaN or Inf would reach the drawing code (the recorder never writes them)
        _check(array.dtype == np.uint8 or bool(np.isfinite(array).all()), name, f"its {key!r} array is not finite")
    _check(bool(np.isfinite(h[~np.isnan(h)]).all()), name, "its curves hold infinities")
    return Replay(name=name, meta=meta, cfg=cfg, steps=steps, metrics=tuple(meta["metrics"]), history_step=hs,
                  history=h, arrays=a)


def list_replays(folder: str | Path) -> list[Path]:
    """Replay files in a folder, sorted by name (not validated: load() does that)."""
    return sorted(Path(folder).glob("*" + SUFFIX))
