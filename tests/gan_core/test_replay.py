"""Replays (gan_core/replay.py, replay_record.py): the format round-trips, the CLI records a run without
changing it, and a hostile file is refused with a sentence before anything large is allocated."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from gan_core import replay as rp
from gan_core.__main__ import main as cli
from gan_core.gan import build_gan
from gan_core.replay_record import Recorder, auto_every, check_every
from gan_core.train import train_step

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")


def record(cfg, steps: int, every: int, path):
    """Train `steps` steps of cfg with a recorder, as the CLI does, and save the replay at `path`."""
    gan = build_gan(cfg, "cpu")
    rec = Recorder(gan, every)
    rec.add_frame(gan)
    pending = []
    for i in range(steps):
        pending.append(train_step(gan))
        rec.step_done(gan, pending, final=i == steps - 1)
        if len(pending) == cfg.train.log_every:
            pending = []
    return rec, rec.save(path, gan, {"title": "a test", "preset": "none", "seed": 0, "command": "pytest"})


@pytest.fixture(scope="module")
def points_replay(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "ring.replay.npz"
    rec, saved = record(tiny_cfg("ring8"), steps=20, every=5, path=path)
    return rec, saved


@pytest.fixture(scope="module")
def image_replay(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "digits.replay.npz"
    rec, saved = record(tiny_cfg("digits"), steps=10, every=5, path=path)
    return rec, saved


# ------------------------------------------------------------------------------------- round trip

def test_a_2d_replay_round_trips(points_replay):
    rec, path = points_replay
    r = rp.load(path)
    assert r.is_points and r.name == "ring"
    assert r.steps == (0, 5, 10, 15, 20) and r.every == 5 and r.n_frames == 5
    assert r.arrays["fake"].shape == (5, 512, 2) and r.arrays["heat"].shape == (5, 30, 30)
    np.testing.assert_array_equal(r.arrays["fake"], np.stack(rec.frames["fake"]).astype(np.float16))
    assert r.metrics == tuple(rec.metrics) and r.metrics[-1]["n_modes"] == 8
    assert r.history_step.tolist() == [5, 10, 15, 20]  # tiny_cfg reads back every 5 steps
    assert r.history.shape == (4, len(rp.SERIES))
    field = r.field(2)
    assert field["probability"] is True and field["centers"].shape == (8, 2) and len(field["bounds"]) == 4
    assert r.history_until(2)["step"].tolist() == [5, 10]  # the curves up to frame 2's step (10)
    assert r.history_until(0)["d_loss"].size == 0
    assert not r.arrays["fake"].flags.writeable  # shared by every session


def test_an_image_replay_round_trips(image_replay):
    rec, path = image_replay
    r = rp.load(path)
    assert not r.is_points and r.steps == (0, 5, 10)
    assert r.arrays["samples"].shape == (3, 64, 1, 8, 8) and r.arrays["samples"].dtype == np.uint8
    np.testing.assert_array_equal(r.arrays["samples"], np.stack(rec.frames["samples"]))
    assert len(r.metrics) == 3 and json.loads(path.with_name("digits.replay.json").read_text())["steps"] == [0, 5, 10]


def test_frame_spacing_is_checked_loudly():
    assert auto_every(3000, 10) == 40 and auto_every(4000, 10) == 50 and auto_every(20, 5) == 5
    assert auto_every(7, 10) == 7  # no multiple of log_every divides it: a first and a last frame
    with pytest.raises(ValueError, match="divides"):
        check_every(7, 100)
    with pytest.raises(ValueError, match="at most"):
        check_every(1, 10_000)


# ------------------------------------------------------------------------------------------- CLI

@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
def test_the_cli_records_a_replay_without_changing_the_run(tmp_path):
    args = ["train", "--preset", "ring8", "--steps", "40", "--seed", "1", "--device", "cpu", "--quiet",
            "--eval-n", "200"]
    assert cli(args + ["--out", str(tmp_path / "plain")]) == 0
    assert cli(args + ["--out", str(tmp_path / "rec"), "--record", "--record-every", "10"]) == 0
    assert not (tmp_path / "plain" / "ring8.replay.npz").exists()
    r = rp.load(tmp_path / "rec" / "ring8.replay.npz")
    assert r.steps == (0, 10, 20, 30, 40) and r.meta["preset"] == "ring8" and r.meta["seed"] == 1
    assert r.meta["checkpoint"] == "ring8.safetensors" and r.meta["command"].startswith("python -m gan_core")
    plain, recorded = (load_file(str(tmp_path / d / "ring8.safetensors")) for d in ("plain", "rec"))
    assert plain.keys() == recorded.keys()
    for k in plain:  # recording reads the run, never steers it: the same weights
        assert torch.equal(plain[k], recorded[k]), k
    again = tmp_path / "again"
    assert cli(args + ["--out", str(again), "--record", "--record-every", "10"]) == 0
    np.testing.assert_array_equal(rp.load(again / "ring8.replay.npz").arrays["fake"], r.arrays["fake"])  # reproducible


def test_the_cli_refuses_a_spacing_that_does_not_divide_the_steps(tmp_path, capsys):
    code = cli(["train", "--preset", "ring8", "--steps", "40", "--device", "cpu", "--quiet", "--out", str(tmp_path),
                "--record", "--record-every", "7"])
    assert code == 2 and "divides" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # refused before training: nothing written


# ------------------------------------------------------------------------------------ hostile files

def rewrite(src, dst, drop=(), **entries):
    """Copy a replay's zip to dst with entries replaced (array or raw bytes) or dropped."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            key = info.filename[:-4]
            if key in drop or key in entries:
                continue
            zout.writestr(info, zin.read(info))
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                buf = io.BytesIO()
                np.save(buf, value, allow_pickle=value.dtype == object)
                value = buf.getvalue()
            zout.writestr(key + ".npy", value)
    return dst


def meta_of(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return json.loads(np.load(io.BytesIO(z.read("meta.npy"))).tobytes())


def as_meta(d) -> np.ndarray:
    return np.frombuffer(json.dumps(d).encode(), dtype=np.uint8)


def hostile_cases(src, folder):
    meta = meta_of(src)
    deep = "[" * 50_000 + "]" * 50_000  # valid JSON, nested past Python's recursion limit
    fake = rp.load(src).arrays["fake"]
    lying = io.BytesIO()
    np.save(lying, np.zeros(4, dtype=np.float16))
    header_claims_more = lying.getvalue().replace(b"(4,)", b"(4000,)")
    return {
        "not a zip": (b"this is not a replay at all" * 10, "not a readable .npz"),
        "truncated": (src.read_bytes()[: src.stat().st_size // 2], "not a readable .npz|cannot be read"),
        "a pickled object array": (dict(fake=np.array([{"x": 1}], dtype=object)), "a replay stores float16"),
        "an unknown entry": (dict(payload=np.zeros(3, dtype=np.uint8)), "entries a replay does not have"),
        "a header that claims more data": (dict(fake=header_claims_more), "more than its entry holds"),
        "no index": (dict(drop=("meta",)), "lacks its index"),
        "an index that is not JSON": (dict(meta=np.frombuffer(b"{not json", dtype=np.uint8)), "not JSON"),
        "an index nested 50,000 deep": (dict(meta=as_meta(deep)), "not JSON|not a GAN Classroom"),
        "another format": (dict(meta=as_meta({**meta, "format": "pickle"})), "not a GAN Classroom replay"),
        "uneven frames": (dict(meta=as_meta({**meta, "steps": [0, 5, 11, 15, 20]})), "evenly spaced"),
        "frames that do not start at 0": (dict(meta=as_meta({**meta, "steps": [5, 10, 15, 20, 25]})), "evenly spaced"),
        "too many frames": (dict(meta=as_meta({**meta, "steps": list(range(0, 5 * 300, 5))})), "frame steps"),
        "metrics that are not numbers": (dict(meta=as_meta({**meta, "metrics": [{"modes_covered": "all"}] * 5})),
                                         "only be numbers"),
        "an invalid config": (dict(meta=as_meta({**meta, "config": {"model": {"hidden": -3}}})), "config is invalid"),
        "frames that do not match the steps": (dict(fake=fake[:3]), "fake points"),
        "a NaN in D's map": (dict(heat=np.full((5, 30, 30), np.nan, dtype=np.float16)), "not finite"),
        "bounds that are not a box": (dict(meta=as_meta({**meta, "bounds": [1, 0, 0, 1]})), "view bounds"),
    }


def test_hostile_replays_are_refused_with_a_sentence(points_replay, tmp_path):
    _, src = points_replay
    for name, (change, why) in hostile_cases(src, tmp_path).items():
        path = tmp_path / (name.replace(" ", "-").replace(",", "") + ".replay.npz")
        if isinstance(change, bytes):
            path.write_bytes(change)
        else:
            rewrite(src, path, **change)
        with pytest.raises(rp.ReplayError, match=why):
            rp.load(path)


def test_sizes_are_bounded_before_reading(points_replay, tmp_path, monkeypatch):
    _, src = points_replay
    monkeypatch.setattr(rp, "MAX_BYTES", 1000)
    with pytest.raises(rp.ReplayError, match="at most"):
        rp.load(src)
    monkeypatch.setattr(rp, "MAX_BYTES", 16 * 2**20)
    monkeypatch.setattr(rp, "MAX_ARRAY_BYTES", 10_000)  # a zip bomb declares its size: refused before unpacking
    with pytest.raises(rp.ReplayError, match="would unpack"):
        rp.load(src)
    with pytest.raises(rp.ReplayError, match="no replay file"):
        rp.load(tmp_path / "missing.replay.npz")
    with pytest.raises(rp.ReplayError, match="no replay file"):
        rp.load(src.with_name("ring.npz"))


def test_an_image_replay_with_point_arrays_is_refused(image_replay, tmp_path):
    _, src = image_replay
    path = rewrite(src, tmp_path / "mixed.replay.npz", fake=np.zeros((3, 4, 2), dtype=np.float16))
    with pytest.raises(rp.ReplayError, match="neither"):
        rp.load(path)
    path = rewrite(src, tmp_path / "big.replay.npz", samples=np.zeros((3, 1, 1, 80, 80), dtype=np.uint8))
    with pytest.raises(rp.ReplayError, match="samples"):
        rp.load(path)
