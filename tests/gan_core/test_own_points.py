"""A student's own 2D points: a drawing or a file becomes a bounded `points` dataset, each bad input is
refused with a sentence, the points travel inline in the config (and a checkpoint), and a GAN trained
on them moves its fakes onto the drawing."""

import io
import json
import math
import pickle

import numpy as np
import pytest
import torch

from gan_core import checkpoint as ckpt
from gan_core.config import MAX_OWN_POINTS, DataConfig, RunConfig
from gan_core.data import load_dataset
from gan_core.data import own_points as op
from gan_core.errors import ConfigError, DatasetError
from gan_core.gan import build_gan
from gan_core.presets import get_preset
from gan_core.train import train_step

pytestmark = pytest.mark.usefixtures("one_thread")


def ring_drawing(n: int = 60, radius: float = 0.4) -> str:
    """One closed stroke around the canvas centre, in canvas units ([0, 1], y down)."""
    stroke = [[0.5 + radius * math.cos(t), 0.5 + radius * math.sin(t)] for t in np.linspace(0, 2 * math.pi, n)]
    return json.dumps({"strokes": [stroke]})


def npy_bytes(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


# --- the drawing --------------------------------------------------------------------------------------

def test_a_drawn_ring_lands_on_a_circle_in_the_models_plane():
    pts = op.points_from_drawing(ring_drawing())
    radius = 0.4 * 2 * op.PLANE_HALF  # 0.4 of the canvas = 2.0 plane units, ring8's radius
    assert pts.dtype == np.float32 and pts.shape[1] == 2
    assert np.allclose(np.linalg.norm(pts, axis=1), radius, atol=0.02)
    gaps = np.linalg.norm(np.diff(pts, axis=0), axis=1)  # resampled evenly along the stroke
    assert gaps.max() < 1.5 * op.STROKE_SPACING
    assert len(pts) == pytest.approx(2 * math.pi * radius / op.STROKE_SPACING, rel=0.05)


def test_canvas_y_points_down_the_plane_y_up_and_a_tap_is_one_point():
    pts = op.points_from_drawing(json.dumps({"strokes": [[[1.0, 0.0]], [[0.5, 0.5]]]}))
    assert pts.tolist() == [[op.PLANE_HALF, op.PLANE_HALF], [0.0, 0.0]]


def test_a_long_drawing_is_thinned_to_the_cap():
    strokes = [[[0.05, y / 100], [0.95, y / 100]] for y in range(5, 96)]  # ~91 lines of 4.5 units each
    pts = op.points_from_drawing(json.dumps({"strokes": strokes}))
    assert len(pts) == MAX_OWN_POINTS
    assert np.abs(pts).max() <= op.PLANE_HALF


def zigzag(samples: int, strokes: int = 1) -> list:
    """Strokes that jump between opposite corners of the canvas at every pointer sample: ~7 plane units
    a sample, so 3.5 million points at STROKE_SPACING for 20,000 samples."""
    per = samples // strokes
    return [[[float(i % 2), float((i // 2) % 2)] for i in range(per)] for _ in range(strokes)]


@pytest.mark.parametrize("strokes", [1, op.MAX_STROKES])
def test_a_scribble_is_resampled_to_a_bounded_number_of_points_whatever_its_length(strokes):
    import tracemalloc

    drawing = zigzag(op.MAX_RAW_POINTS, strokes)
    in_plane = [op._stroke_in_plane(s) for s in drawing]
    assert len(op.resample_strokes(in_plane)) <= op.MAX_RESAMPLED + strokes  # was ~3.5 million
    text = json.dumps({"strokes": drawing})
    tracemalloc.start()
    try:
        pts = op.points_from_drawing(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(pts) == MAX_OWN_POINTS
    assert peak < 16 * 2**20, peak  # bytes Python and numpy allocated (was ~137 MB): parsing the JSON dominates


def test_a_drawing_of_ordinary_length_keeps_the_spacing():
    strokes = [[[0.05, y / 100], [0.95, y / 100]] for y in range(5, 96)]  # ~410 plane units: over the cap
    in_plane = [op._stroke_in_plane(s) for s in strokes]
    assert len(op.resample_strokes(in_plane)) <= op.MAX_RESAMPLED + len(strokes)
    short = [op._stroke_in_plane([[0.1, 0.5], [0.9, 0.5]])]  # 4 plane units: 101 points, 0.04 apart
    assert len(op.resample_strokes(short)) == 101


def test_points_past_the_edge_are_clamped_to_the_canvas():
    pts = op.points_from_drawing(json.dumps({"strokes": [[[-3.0, 0.5]], [[1e6, 2.0]]]}))
    assert np.abs(pts).max() == pytest.approx(op.PLANE_HALF)


BAD_DRAWINGS = {
    "empty": ("", "empty"),
    "blank": ("   ", "empty"),
    "not JSON": ("{strokes: nope", "could not be read"),
    "a list": ("[[0.1, 0.2]]", "empty"),
    "no strokes": ('{"strokes": []}', "empty"),
    "a stroke that is a number": ('{"strokes": [5]}', "not a list of points"),
    "a point of three": ('{"strokes": [[[0.1, 0.2, 0.3]]]}', "two numbers"),
    "a point of text": ('{"strokes": [[["0.1", 0.2]]]}', "two numbers"),
    "a point of booleans": ('{"strokes": [[[true, false]]]}', "two numbers"),
    "NaN": ('{"strokes": [[[NaN, 0.2]]]}', "two numbers"),
    "Infinity": ('{"strokes": [[[Infinity, 0.2]]]}', "two numbers"),
    "too long": ('{"strokes": [[' + ",".join(["[0.5, 0.5]"] * 40_000) + "]]}", "too large"),
    "too many strokes": (json.dumps({"strokes": [[[0.5, 0.5]]] * (op.MAX_STROKES + 1)}), "strokes"),
    "too many points": (json.dumps({"strokes": [[[0.5, 0.5]] * (op.MAX_RAW_POINTS + 1)]}), "more than"),
    "nested too deep for the parser": ("[" * 100_000 + "]" * 100_000, "could not be read"),
}


@pytest.mark.parametrize("case", BAD_DRAWINGS)
def test_every_bad_drawing_is_refused_with_a_sentence(case):
    text, words = BAD_DRAWINGS[case]
    with pytest.raises(DatasetError, match=words):
        op.points_from_drawing(text)


# --- files of points ----------------------------------------------------------------------------------

def test_a_csv_with_a_header_is_centred_and_scaled_into_the_plane():
    raw = b"x,y\n10,100\n30,100\n# a comment\n\n20,110\n"
    pts = op.points_from_file("mine.csv", raw)
    assert pts.tolist() == [[-2.0, -1.0], [2.0, -1.0], [0.0, 1.0]]  # half-width 10 -> 2, kept in proportion


@pytest.mark.parametrize("sep", [",", ";", "\t", "  "])
def test_csv_separators(sep):
    raw = f"0{sep}0\n1{sep}1\n".encode()
    assert op.points_from_file("p.txt", raw).tolist() == [[-2.0, -2.0], [2.0, 2.0]]


def test_an_npy_of_ints_or_floats_is_read():
    pts = op.points_from_file("p.npy", npy_bytes(np.array([[0, 0], [4, 2]], dtype=np.int16)))
    assert pts.tolist() == [[-2.0, -1.0], [2.0, 1.0]]
    assert op.points_from_file("p.npy", npy_bytes(np.zeros((1, 2)))).tolist() == [[0.0, 0.0]]


def refuse_pickle(*args, **kwargs):
    raise AssertionError("a points file was unpickled")


BAD_FILES = {
    "a .json": ("p.json", b"[[0, 1]]", "come as .csv"),
    "no suffix": ("points", b"0,1", "come as .csv"),
    "too big": ("p.csv", b"0,1\n" * 300_000, "at most 1 MB"),
    "three columns": ("p.csv", b"0,1,2\n", "exactly two"),
    "one column": ("p.csv", b"x\n1\n", "exactly two"),
    "text in a row": ("p.csv", b"0,1\n2,abc\n", "line 2"),
    "two header rows": ("p.csv", b"x,y\na,b\n0,1\n", "line 2"),
    "NaN": ("p.csv", b"0,1\nnan,2\n", "NaN or infinite"),
    "infinity": ("p.csv", b"0,1\n1,inf\n", "NaN or infinite"),
    "empty": ("p.csv", b"x,y\n\n", "no points"),
    "not UTF-8": ("p.csv", b"\xff\xfe\x00\x01", "not UTF-8"),
    "too many rows": ("p.csv", b"0,1\n" * (MAX_OWN_POINTS + 1), "2,001 rows"),
    "npy too many rows": ("p.npy", npy_bytes(np.zeros((MAX_OWN_POINTS + 1, 2))), "2,001 rows"),
    "npy wrong shape": ("p.npy", npy_bytes(np.zeros((10, 3))), r"shape \(10, 3\)"),
    "npy 1-D": ("p.npy", npy_bytes(np.zeros(10)), r"shape \(10,\)"),
    "npy text": ("p.npy", npy_bytes(np.array([["a", "b"]])), "points must be numbers"),
    "npy objects (a pickle)": ("p.npy", npy_bytes(np.array([[1, {"x": 1}]], dtype=object)), "must be numbers"),
    "npy complex": ("p.npy", npy_bytes(np.zeros((2, 2), dtype=complex)), "must be numbers"),
    "npy NaN": ("p.npy", npy_bytes(np.array([[0.0, np.nan]])), "NaN or infinite"),
    "npy garbage": ("p.npy", b"\x93NUMPY garbage", "not a readable .npy"),
    "npy truncated": ("p.npy", npy_bytes(np.zeros((100, 2)))[:-50], "not a readable .npy"),
    "npy empty": ("p.npy", npy_bytes(np.zeros((0, 2))), "no points"),
    # finite, but their centre (lo + hi) / 2 overflowed to -inf and Start refused "(-inf, -inf)"
    "overflowing": ("p.csv", b"1e308,1e308\n1.7e308,1.7e308\n",
                    r"coordinate of 1.7e\+308; every x and y must be within"),
    "npy overflowing": ("p.npy", npy_bytes(np.array([[-1.7e308, 0.0], [1.7e308, 1.0]])), "must be within"),
    "npy huge ints": ("p.npy", npy_bytes(np.array([[0, 0], [2**63, 1]], dtype=np.uint64)), "must be within"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_every_bad_points_file_is_refused_with_a_sentence(case, monkeypatch):
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse_pickle)
    name, raw, words = BAD_FILES[case]
    with pytest.raises(DatasetError, match=words):
        op.points_from_file(name, raw)


def test_large_real_coordinates_are_fitted_and_a_scale_that_overflows_is_refused():
    utm = np.array([[5e6, 4e6], [5e6 + 10, 4e6 + 10]])  # metres: big numbers, a small spread
    assert op.points_from_file("p.npy", npy_bytes(utm)).tolist() == [[-2.0, -2.0], [2.0, 2.0]]
    assert op.fit_to_plane(np.array([[1e9, -1e9], [-1e9, 1e9]])).tolist() == [[2.0, -2.0], [-2.0, 2.0]]
    with pytest.raises(DatasetError, match="could not be centred and scaled"):  # FIT_RADIUS / 2.5e-321 = inf
        op.points_from_file("p.npy", npy_bytes(np.array([[0.0, 0.0], [5e-321, 0.0]])))


# --- the config, the dataset, a checkpoint ------------------------------------------------------------

def drawn_config(**train) -> RunConfig:
    pts = op.as_config_points(op.points_from_drawing(ring_drawing()))
    return get_preset("ring8", data={"name": "points", "points": pts}, train={"device": "cpu", **train})


def test_the_points_travel_inline_and_round_trip_through_json():
    cfg = drawn_config()
    again = RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg and hash(again.data) == hash(cfg.data)
    assert isinstance(again.data.points, tuple) and isinstance(again.data.points[0], tuple)
    assert len(json.dumps(cfg.to_dict())) < 40_000


BAD_CONFIGS = {
    "points without their dataset": ({"name": "ring8", "points": [[0.0, 0.0]]}, "only for data.name='points'"),
    "the dataset without points": ({"name": "points"}, "draw on the canvas"),
    "too many": ({"name": "points", "points": [[0.0, 0.0]] * (MAX_OWN_POINTS + 1)}, "at most 2,000"),
    "NaN": ({"name": "points", "points": [[float("nan"), 0.0]]}, "finite"),
    "far away": ({"name": "points", "points": [[11.0, 0.0]]}, r"within \+-10"),
    "text": ({"name": "points", "points": [["1", "2"]]}, "two finite numbers"),
    "a triple": ({"name": "points", "points": [[1.0, 2.0, 3.0]]}, "two finite numbers"),
    "not a list": ({"name": "points", "points": "0,0"}, "list of"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_points_in_a_config_are_refused(case):
    data, words = BAD_CONFIGS[case]
    with pytest.raises(ConfigError, match=words):
        RunConfig.from_dict({"data": data, "model": {"arch": "mlp"}})


def test_the_training_set_is_the_points_plus_gaussian_noise():
    pts = ((0.0, 0.0), (1.0, 1.0))
    data = load_dataset(DataConfig(name="points", points=pts, n_points=20_000), "cpu", seed=1)
    assert data.x.shape == (20_000, 2) and data.is_points and data.centers is None
    nearest = torch.cdist(data.x, torch.tensor(pts)).argmin(1)
    offset = data.x - torch.tensor(pts)[nearest]
    assert offset.std().item() == pytest.approx(op.OWN_POINTS_STD, rel=0.05)
    assert 9_500 < int((nearest == 0).sum()) < 10_500


def test_a_checkpoint_carries_the_drawing(tmp_path):
    cfg = drawn_config(batch_size=16)
    gan = build_gan(cfg, "cpu")
    train_step(gan)
    loaded = ckpt.load(ckpt.save(gan, tmp_path / "drawn"))
    assert loaded.cfg.data.points == cfg.data.points


def mean_distance_to_drawing(gan, drawn: torch.Tensor) -> float:
    """Mean distance from 1,000 fakes to their nearest drawn point (plane units)."""
    with torch.no_grad():
        fake = gan.G_eval(gan.sample_z(1000, torch.Generator().manual_seed(0)))
    return torch.cdist(fake, drawn).min(1).values.mean().item()


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
def test_a_gan_trained_on_a_drawing_moves_its_fakes_onto_it():
    cfg = drawn_config()  # the class preset (2 x 32 MLP, batch 128, lr 1e-2)
    gan = build_gan(cfg, "cpu")
    drawn = torch.tensor(cfg.data.points)
    before = mean_distance_to_drawing(gan, drawn)
    for _ in range(800):
        train_step(gan, norms=False)
    after = mean_distance_to_drawing(gan, drawn)
    assert before > 1.0  # the untrained G: one blob in the middle of a ring of radius 2
    assert after < 0.25 * before and after < 0.3, (before, after)
