"""Students' own 2D data: a drawing on a canvas, or a CSV / .npy file of points.

Both end as a small float32 array [N, 2] (N <= MAX_OWN_POINTS) in the plane the models use, which
the run's `DataConfig.points` carries inline (rounded to 4 decimals). Inline, because the config is
what already travels everywhere a run goes: pickled to its process (live/single/remote.py, the batched
class process), written into checkpoint sidecars and exports as JSON (~30 KB at the cap). A store
keyed by digest would need a folder every process can reach, a lifetime, and a checkpoint that
names a digest could not be diagnosed on another server.

The training set is then those points plus a little Gaussian noise (OWN_POINTS_STD), drawn in
`sample_own_points`: the strokes become thin bands, as GAN Lab's drawn distributions do.

Everything here is bounded *before* it is parsed or allocated, and each refusal is a DatasetError
whose message can be shown to the student as it is.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import torch

from gan_core.config import MAX_OWN_POINTS  # points a DataConfig carries inline (2,000 x 2 floats: ~30 KB of JSON)
from gan_core.errors import DatasetError

PLANE_HALF = 2.5  # the canvas spans [-2.5, 2.5]^2 of the models' plane (ring8's radius is 2)
FIT_RADIUS = 2.0  # an uploaded set is centred and scaled so its farthest coordinate is 2, like ring8
OWN_POINTS_STD = 0.05  # std of the Gaussian noise around each point when the training set is drawn
STROKE_SPACING = 0.04  # a stroke is resampled to one point every this many plane units (or more: below)
MAX_RESAMPLED = 4 * MAX_OWN_POINTS  # points a whole drawing is resampled to before thinning, at most (+1 a stroke)
COORD_LIMIT = 10.0  # |x|, |y| allowed in a config's points (the plane is about [-2.5, 2.5])

# a drawing, as the canvas sends it: JSON {"strokes": [[[x, y], ...], ...]}, x and y in [0, 1]
MAX_DRAWING_CHARS = 400_000
MAX_STROKES = 500
MAX_RAW_POINTS = 20_000  # pointer samples in all strokes together
# a points file
MAX_FILE_BYTES = 1_000_000  # a CSV of 2,000 rows is ~40 KB; an .npy of 2,000 x 2 float64 32 KB
MAX_FILE_COORD = 1e9  # |x|, |y| in a file: any real unit (pixels, metres, UTM's ~1e7) fits; far from overflow
POINT_FILE_TYPES = (".csv", ".txt", ".npy")


# ---------------------------------------------------------------------------------------------
# the drawing
# ---------------------------------------------------------------------------------------------

def points_from_drawing(text: str) -> np.ndarray:
    """The canvas's JSON -> points [N, 2] float32 in the plane: strokes resampled evenly along their
    length (a fast stroke has few pointer samples), then thinned to at most MAX_OWN_POINTS."""
    if not isinstance(text, str) or not text.strip():
        raise DatasetError("The drawing is empty: draw on the canvas first.")
    if len(text) > MAX_DRAWING_CHARS:
        raise DatasetError(f"The drawing is too large ({len(text):,} characters; at most {MAX_DRAWING_CHARS:,}). "
                           "Clear the canvas and draw fewer strokes.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise DatasetError("The drawing could not be read (not the canvas's JSON).") from e
    strokes = data.get("strokes") if isinstance(data, dict) else None
    if not isinstance(strokes, list) or not strokes:
        raise DatasetError("The drawing is empty: draw on the canvas first.")
    if len(strokes) > MAX_STROKES:
        raise DatasetError(f"The drawing has {len(strokes):,} strokes; at most {MAX_STROKES} are accepted.")
    if sum(len(s) if isinstance(s, list) else 1 for s in strokes) > MAX_RAW_POINTS:
        raise DatasetError(f"The drawing has more than {MAX_RAW_POINTS:,} points; clear it and draw less.")
    return thin(resample_strokes([_stroke_in_plane(s) for s in strokes]), MAX_OWN_POINTS)


def resample_strokes(strokes: list[np.ndarray]) -> np.ndarray:
    """Polylines [n_i, 2] -> one array [M, 2] of points evenly spaced along them, M <= MAX_RESAMPLED +
    len(strokes) whatever the input. The spacing is STROKE_SPACING unless the drawing is so long that
    would make more points (a scribble between two corners, 20,000 samples, is ~140,000 plane units: 3.5
    million points at 0.04); then it is the total length / MAX_RESAMPLED, chosen before any point is made."""
    lengths = [float(np.linalg.norm(np.diff(s, axis=0), axis=1).sum()) for s in strokes]  # O(pointer samples)
    spacing = max(STROKE_SPACING, sum(lengths) / MAX_RESAMPLED)
    return np.concatenate([_resample(s, spacing) for s in strokes])


def _stroke_in_plane(stroke) -> np.ndarray:
    """[[x, y], ...] in canvas units ([0, 1], y down) -> [n, 2] float64 in the plane (y up)."""
    if not isinstance(stroke, list) or not stroke:
        raise DatasetError("The drawing could not be read: a stroke is not a list of points.")
    if not all(isinstance(p, list) and len(p) == 2 and all(_is_number(v) for v in p) for p in stroke):
        raise DatasetError("The drawing could not be read: every point must be two numbers.")
    xy = np.clip(np.asarray(stroke, dtype=np.float64), 0.0, 1.0)  # a finger may slide past the edge
    return np.stack([(xy[:, 0] - 0.5) * 2 * PLANE_HALF, (0.5 - xy[:, 1]) * 2 * PLANE_HALF], axis=1)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _resample(stroke: np.ndarray, spacing: float) -> np.ndarray:
    """A polyline [n, 2] -> points every `spacing` along it, int(length / spacing) + 1 of them (a tap
    stays one point)."""
    seg = np.linalg.norm(np.diff(stroke, axis=0), axis=1)  # [n-1]
    length = float(seg.sum())
    if length < spacing:
        return stroke[:1]
    along = np.concatenate([[0.0], np.cumsum(seg)])  # [n] arc length at each sample
    t = np.linspace(0.0, length, int(length / spacing) + 1)
    return np.stack([np.interp(t, along, stroke[:, 0]), np.interp(t, along, stroke[:, 1])], axis=1)


def thin(points: np.ndarray, cap: int) -> np.ndarray:
    """At most `cap` rows, evenly spaced through the array (keeps every stroke's share)."""
    if len(points) > cap:
        points = points[np.linspace(0, len(points) - 1, cap).round().astype(np.int64)]
    return points.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# a file of points
# ---------------------------------------------------------------------------------------------

def points_from_file(name: str, raw: bytes) -> np.ndarray:
    """A CSV (or whitespace-separated .txt) or .npy file of two columns -> points [N, 2] float32,
    centred and scaled into the plane (`fit_to_plane`). Refuses, with a sentence, every file that
    is too big, not two numeric columns, over MAX_OWN_POINTS rows, or holds NaN / infinity."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in POINT_FILE_TYPES:
        raise DatasetError(f"{_short(name)}: points come as .csv, .txt or .npy (two columns: x and y).")
    if len(raw) > MAX_FILE_BYTES:
        raise DatasetError(f"{_short(name)} is {len(raw) / 1e6:.1f} MB; a points file may be at most "
                           f"{MAX_FILE_BYTES / 1e6:.0f} MB ({MAX_OWN_POINTS:,} rows).")
    pts = _read_npy(name, raw) if suffix == ".npy" else _read_text(name, raw)
    if len(pts) == 0:
        raise DatasetError(f"{_short(name)} has no points.")
    if not np.isfinite(pts).all():
        raise DatasetError(f"{_short(name)} holds NaN or infinite values; every x and y must be a finite number.")
    largest = float(np.abs(pts).max())
    if largest > MAX_FILE_COORD:  # (1e308 is finite, but the centre and the scale of such numbers overflow)
        raise DatasetError(f"{_short(name)} holds a coordinate of {largest:.3g}; every x and y must be within "
                           f"+-{MAX_FILE_COORD:.0e}. Divide your numbers by a power of ten first.")
    return fit_to_plane(pts, name)


def _short(name: str) -> str:
    """A file name as shown in a message: its last part, at most 60 characters."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return repr(base if len(base) <= 60 else base[:57] + "...")


def _too_many(name: str, rows: int) -> DatasetError:
    return DatasetError(f"{_short(name)} has {rows:,} rows; at most {MAX_OWN_POINTS:,} points are accepted. "
                        "Take a random subset of your points.")


def _read_npy(name: str, raw: bytes) -> np.ndarray:
    """Read the header first: shape and dtype are checked before the array is allocated; never unpickles."""
    f = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(f)  # the header only: nothing is allocated yet
    except (ValueError, OSError, SyntaxError, TypeError) as e:
        raise DatasetError(f"{_short(name)} is not a readable .npy file ({e}).") from e
    if dtype.kind not in "fiu":
        raise DatasetError(f"{_short(name)} holds {dtype} values; points must be numbers (float or int).")
    if len(shape) != 2 or shape[1] != 2:
        raise DatasetError(f"{_short(name)} has shape {tuple(shape)}; points must be an array of shape (N, 2).")
    if shape[0] > MAX_OWN_POINTS:
        raise _too_many(name, shape[0])
    try:
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise DatasetError(f"{_short(name)} is not a readable .npy file ({e}).") from e
    return arr.astype(np.float64)


def _read_text(name: str, raw: bytes) -> np.ndarray:
    """Rows of two numbers split by a comma, semicolon, tab or spaces; one header row of
    non-numbers (e.g. "x,y") is allowed, blank lines and # comments are skipped."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{_short(name)} is not a text file (not UTF-8); save it as CSV.") from e
    lines = text.splitlines()
    filled = sum(1 for line in lines if line.split("#", 1)[0].strip())
    if filled > MAX_OWN_POINTS + 1:  # (+1: a header row)
        raise _too_many(name, filled)
    rows, header_seen = [], False
    for number, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f for f in line.replace(";", ",").replace("\t", ",").replace(" ", ",").split(",") if f]
        if len(fields) != 2:
            raise DatasetError(f"{_short(name)}, line {number}: {len(fields)} columns; points need exactly two "
                               "(x and y).")
        try:
            rows.append((float(fields[0]), float(fields[1])))
        except ValueError:
            if rows or header_seen:
                raise DatasetError(f"{_short(name)}, line {number}: {line[:40]!r} is not two numbers.") from None
            header_seen = True  # the first row may name the columns
    if len(rows) > MAX_OWN_POINTS:
        raise _too_many(name, len(rows))
    return np.asarray(rows, dtype=np.float64).reshape(-1, 2)


def fit_to_plane(points: np.ndarray, name: str = "the points") -> np.ndarray:
    """Centre the set's bounding box at 0 and scale it (both axes alike, so shapes keep their
    proportions) until its farthest coordinate is FIT_RADIUS. A single point goes to the origin.
    Refuses with a sentence a set whose centre or scale is not a finite number (a spread so small
    that FIT_RADIUS / half overflows, or numbers near the float64 limit)."""
    pts = np.asarray(points, dtype=np.float64)
    lo, hi = pts.min(0), pts.max(0)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below, with a sentence
        centre = lo + (hi - lo) / 2  # not (lo + hi) / 2, which overflows first
        half = float((hi - lo).max()) / 2
        scale = FIT_RADIUS / half if half > 0 else 1.0
        fitted = (pts - centre) * scale
    if not (np.isfinite(centre).all() and math.isfinite(scale) and np.isfinite(fitted).all()):
        raise DatasetError(f"{_short(name)} could not be centred and scaled into the plane (its numbers are too "
                           "large, or too close together); use coordinates within +-1e9 that are not all "
                           "(almost) the same.")
    return fitted.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# into a config, and back out as a training set
# ---------------------------------------------------------------------------------------------

def as_config_points(points: np.ndarray) -> tuple[tuple[float, float], ...]:
    """[N, 2] -> the hashable, JSON-friendly form a DataConfig carries (4 decimals: 0.1 mm on a
    plane of 5 units, far below the noise)."""
    return tuple((round(float(x), 4), round(float(y), 4)) for x, y in np.asarray(points, dtype=np.float64))


def sample_own_points(points, n: int, seed: int = 0) -> torch.Tensor:
    """n real points [n, 2] (float32, CPU): a random given point plus N(0, OWN_POINTS_STD^2) noise."""
    g = torch.Generator().manual_seed(seed)
    base = torch.tensor(points, dtype=torch.float32).reshape(-1, 2)  # [M, 2]
    which = torch.randint(len(base), (n,), generator=g)
    return base[which] + OWN_POINTS_STD * torch.randn(n, 2, generator=g)
