"""Hostile input, as an attacker would send it: straight to the app's API, with any session id and any
value. Each case asserts the sentence the page shows, and that the server then still answers a
normal request; the memory cases assert that the server grew by less than a stated budget.

The app here is the real one (its upload endpoint, its queue API, run processes on Linux), launched
in this process with small caps (conftest's `capped_app`).
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
from pathlib import Path

import pytest

from gan_core import checkpoint as ckpt
from gan_core import frozen
from gan_core.config import MAX_SEED
from gan_core.presets import get_preset
from live.single import remote as worker
from ui import temp_files
from ui.common import session_id

from conftest import poll_until, status_of

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "checkpoints"
UPLOAD_BUDGET_MB = 150  # what one hostile upload may grow the server by (the attack grew it by GBs)


def rss_mb() -> float:
    """This process's resident memory now (the in-process server's), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def rewrite_meta(src: Path, dst: Path, change) -> Path:
    """A copy of checkpoint `src` whose header metadata is change(meta) (a dict, or raw text)."""
    from safetensors.torch import load_file, save_file

    meta = ckpt.read_meta(src)
    new = change(meta)
    text = new if isinstance(new, str) else json.dumps(new)
    save_file(load_file(str(src)), str(dst), metadata={"gan_classroom": text})
    return dst


def with_config(section: str, **values):
    def change(meta):
        cfg = meta["config"]
        return {**meta, "config": {**cfg, section: {**cfg[section], **values}}}
    return change


def still_serves(make) -> None:
    """A normal request from a fresh tab gets a normal answer: the shipped ring8 checkpoint loads."""
    out = make().predict("ring8", api_name="/latent_source")
    assert "ring8" in out[0] and "trained for" in out[0], out[0]


def upload(c, path: Path) -> str:
    """The Latent tab's upload; returns the status line the page shows."""
    from gradio_client import handle_file

    out = c.predict(handle_file(str(path)), api_name="/latent_upload")
    return next(o for o in out if isinstance(o, str) and "upload" in o.lower() or isinstance(o, str) and "**" in o)


# -- uploads ----------------------------------------------------------------------------------------

HOSTILE_CHECKPOINTS = {
    # name: (how the header is changed, what the page must say)
    "data_shape six million": (lambda m: {**m, "data_shape": [6_000_000]}, "invalid data shape"),
    "data_shape 10**12": (lambda m: {**m, "data_shape": [10**12]}, "invalid data shape"),
    "n_points 300 million": (with_config("data", n_points=300_000_000), "n_points must be between 100 and 200,000"),
    "5,000 classes": (lambda m: {**m, "num_classes": 5000}, "has 0 classes, but the file says 5000"),
    "step abc": (lambda m: {**m, "step": "abc"}, "its step must be a whole number"),
    "step Infinity": (lambda m: json.dumps(m)[:-1] + ', "step": Infinity}', "its step must be a whole number"),
    "nested 100,000 deep": (lambda m: json.dumps({**m, "x": 0})[:-1].replace('"x": 0', '"x": ' + "[" * 100_000 +
                                                                                      "]" * 100_000) + "}",
                            "not valid JSON"),
    "seed 10**20": (with_config("train", seed=10**20), "train.seed must be a whole number between 0"),
    "hidden 10**6": (with_config("model", hidden=10**6), "model.hidden must be between 1 and 1024"),
    "NaN learning rate": (lambda m: re.sub(r'"lr_g": [0-9.e-]+', '"lr_g": NaN', json.dumps(m)),
                          "must be a finite number"),
    "not a GAN": (lambda m: {**m, "kind": "something"}, "not a GAN"),
    "pickle bytes in the header": (lambda m: "\x80\x04\x95", "not valid JSON"),
}


@pytest.mark.parametrize("case", list(HOSTILE_CHECKPOINTS))
def test_hostile_checkpoint_uploads_are_refused_with_a_sentence(case, client, tmp_path):
    change, message = HOSTILE_CHECKPOINTS[case]
    path = rewrite_meta(SHIPPED / "ring8.safetensors", tmp_path / "upload.safetensors", change)
    before = rss_mb()
    status = upload(client(), path)
    assert "not a usable checkpoint" in status and message in status, status
    assert rss_mb() - before < UPLOAD_BUDGET_MB
    still_serves(client)


@pytest.mark.parametrize("content", [b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.",  # a pickle
                                     b"PK\x03\x04 a zip, not a checkpoint", b""])
def test_files_that_are_not_safetensors_are_refused(content, client, tmp_path):
    path = tmp_path / "upload.safetensors"
    path.write_bytes(content)
    assert "not a readable safetensors file" in upload(client(), path)
    still_serves(client)


def test_a_truncated_and_a_foreign_file_are_refused(client, tmp_path):
    import torch
    from safetensors.torch import save_file

    truncated = tmp_path / "cut.safetensors"
    truncated.write_bytes((SHIPPED / "ring8.safetensors").read_bytes()[:5000])
    assert "not a readable safetensors file" in upload(client(), truncated)
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, str(foreign), metadata={"other": "tool"})
    assert "not a GAN Classroom checkpoint" in upload(client(), foreign)
    still_serves(client)


def test_a_header_claiming_enormous_tensors_allocates_nothing(client, tmp_path):
    """A safetensors header can claim any shape; the file cannot hold it, and nothing is built for it."""
    meta = ckpt.read_meta(SHIPPED / "ring8.safetensors")
    header = {"__metadata__": {"gan_classroom": json.dumps(meta)},
              "G.net.0.weight": {"dtype": "F32", "shape": [200_000, 200_000], "data_offsets": [0, 16]}}
    raw = json.dumps(header).encode()
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\x00" * 16)
    before = rss_mb()
    status = upload(client(), path)
    assert "not a usable checkpoint" in status
    assert rss_mb() - before < UPLOAD_BUDGET_MB
    still_serves(client)


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(capped_app, client, monkeypatch):
    import httpx

    limit = ckpt.MAX_BYTES
    assert capped_app[0].max_file_size == limit
    before = rss_mb()
    big = b"\x00" * (limit + 1024)
    r = httpx.post(capped_app[1] + "gradio_api/upload", files={"files": ("big.safetensors", big)}, timeout=60)
    assert r.status_code == 413 and ("File size exceeded" in r.text or "too large" in r.text.lower()), r.text[:200]
    del big
    assert rss_mb() - before < UPLOAD_BUDGET_MB
    still_serves(client)


def test_uploaded_networks_are_kept_within_a_byte_budget(tmp_path, monkeypatch):
    """Every distinct upload's networks used to be cached forever; now least recently used go first."""
    budget = 3 * frozen._source_bytes(frozen.from_checkpoint(SHIPPED / "ring8.safetensors"))
    monkeypatch.setattr(frozen.CHECKPOINT_CACHE, "budget", budget)
    for i in range(10):
        path = rewrite_meta(SHIPPED / "ring8.safetensors", tmp_path / f"u{i}.safetensors",
                            lambda m: {**m, "step": i})
        assert frozen.from_checkpoint(path).step == i
        assert frozen.CHECKPOINT_CACHE.nbytes <= budget
    assert len(frozen.CHECKPOINT_CACHE) <= 3


def test_the_shared_dataset_cache_is_keyed_by_the_whole_data_config(tmp_path):
    """A moons checkpoint with n_points=100 no longer changes what another student's diagnosis compares with."""
    small = rewrite_meta(SHIPPED / "ring8.safetensors", tmp_path / "small.safetensors",
                         with_config("data", n_points=100))
    normal = frozen.from_checkpoint(SHIPPED / "ring8.safetensors")
    assert len(frozen.from_checkpoint(small).real_data()) == 100
    assert len(normal.real_data()) == get_preset("ring8").data.n_points


def test_a_checkpoint_cannot_point_diagnostics_at_a_server_folder(tmp_path):
    path = rewrite_meta(SHIPPED / "digits.safetensors", tmp_path / "folder.safetensors",
                        lambda m: {**m, "num_classes": 0,
                                   "config": {**m["config"], "data": {**m["config"]["data"], "name": "folder",
                                                                      "path": "/etc", "image_size": 8}}})
    with pytest.raises(Exception, match="image folder, which is not on this server"):
        frozen.from_checkpoint(path).real_data()


# -- values over the API ----------------------------------------------------------------------------

def step_args(train_args, n: int):
    """The Step button's inputs: preset, what to step, how many, then the settings."""
    preset, *settings = train_args()
    return [preset, "both", n, *settings]


@pytest.mark.parametrize("changes, message", [
    ({"seed": 10**20}, "between 0 and 2,147,483,647"),
    ({"seed": -1}, "between 0 and 2,147,483,647"),
    ({"lr_g": float("nan")}, "train.lr_g must be a finite number"),
    ({"lr_d": float("inf")}, "greater than maximum value 1"),  # (Gradio's Number bounds refuse it first)
    ({"lr_g": "abc"}, "Expected a `float | None`, but the value passed to the event handler was: 'abc'"),
    ({"batch_size": 10**9}, "is not in the list of choices"),  # (a Dropdown: Gradio checks the choices)
    ({"width": 10**7}, "greater than maximum value 256"),  # (a Slider: Gradio checks its bounds)
    ({"objective": "wgan", "label_smoothing": 0.1}, "label smoothing only applies"),
])
def test_out_of_range_settings_over_the_api_get_a_sentence(changes, message, capped_app, client, post_event,
                                                           train_args):
    out = post_event(capped_app[1], "start", train_args(**changes), f"hostile-{abs(hash(str(changes)))}")
    assert message in out[1], out[1]
    still_serves(client)


def test_latent_values_out_of_range_get_a_sentence(client):
    from gradio_client.exceptions import AppError

    c = client()
    c.predict("ring8", api_name="/latent_source")
    with pytest.raises(AppError, match=f"seed must be between 0 and {MAX_SEED:,}"):
        c.predict(10**20, None, api_name="/latent_seed")
    with pytest.raises(AppError, match="greater than maximum value 16"):  # (the Frames slider's own bound)
        c.predict(1, 2, 10**6, None, api_name="/latent_interpolate")
    with pytest.raises(AppError, match=f"seed must be between 0 and {MAX_SEED:,}"):
        c.predict(1, 10**20, 4, None, api_name="/latent_interpolate")
    assert "ring8" in c.predict("ring8", api_name="/latent_source")[0]
    still_serves(client)


def test_an_unknown_checkpoint_name_is_looked_up_not_joined_into_a_path(capped_app, client):
    from gradio_client.exceptions import AppError

    from ui.latent.sources import load_source

    with pytest.raises(AppError, match="not in the list of choices"):  # Gradio's Dropdown refuses it first
        client().predict("../../checkpoints/ring8", api_name="/latent_source")
    with pytest.raises(LookupError, match="no checkpoint called"):  # and behind it, the tab itself
        load_source(capped_app[0].ctx, "../checkpoints/ring8", {}, "s")
    still_serves(client)


def test_a_session_id_is_never_a_path(capped_app, client, tmp_path, train_args):
    """/export wrote gan_history.csv to EXPORT_DIR / session_id: '../../x' escaped the folder."""
    target = Path(temp_files.ROOT).parent / "escaped"
    for sid in ("../../escaped", str(tmp_path / "abs"), "a" * 10_000):
        c = client(sid)
        c.predict(*train_args(), api_name="/reset")
        files = c.predict(api_name="/export")
        files = files["value"] if isinstance(files, dict) else files  # (a gr.File update)
        paths = [Path(f) for f in (files if isinstance(files, list) else [files])]
        assert paths and all(p.name in ("gan_history.csv", "gan_field.png") for p in paths)
    assert not target.exists() and not (tmp_path / "abs").exists()
    assert all(len(s) <= 64 for s in capped_app[0].ctx.registry._runs)
    still_serves(client)


def test_a_failed_new_run_keeps_the_old_one(capped_app, client, monkeypatch, post_event, train_args):
    registry = capped_app[0].ctx.registry
    c = client()
    c.predict(*train_args(), api_name="/reset")
    sid = session_id(c)
    old = registry.get(sid)
    c.predict(*step_args(train_args, 10), api_name="/step")
    failing = worker.trainer_factory()

    def fails_to_build(cfg, **kwargs):  # as a dataset that cannot be had offline does, after the checks
        if cfg.train.seed == 7:
            raise worker.WorkerError("a run process could not start (no memory)")
        return failing(cfg, **kwargs)

    monkeypatch.setattr(registry, "_factory", fails_to_build)
    for bad in ({"seed": 7}, {"seed": 10**20}, {"lr_d": float("nan")}, {"objective": "wgan", "label_smoothing": 0.1}):
        out = post_event(capped_app[1], "start", train_args(**bad), c.session_hash)
        assert "⚠️" in out[1]
        assert registry.get(sid) is old and old.snapshot().step == 10


def test_step_needs_a_training_slot_like_start(capped_app, client, monkeypatch, train_args):
    monkeypatch.setenv("GAN_CLASSROOM_BATCHED", "0")  # runs alone (the class's batched step takes no slot)
    registry = capped_app[0].ctx.registry
    monkeypatch.setattr(registry, "max_running", 1)
    first, second = client(), client()
    assert "running" in status_of(first.predict(api_name="/start"))
    out = second.predict(*step_args(train_args, 100), api_name="/step")
    assert "already training" in out[1]
    assert registry.running_count() == 1
    first.predict(api_name="/pause")
    out = second.predict(*step_args(train_args, 10), api_name="/step")
    assert "step 10" in status_of(out)


# -- files and processes ----------------------------------------------------------------------------

def test_download_folders_are_pruned_by_age_and_count(tmp_path):
    base = tmp_path / "gifs"
    base.mkdir()
    now = time.time()
    for i in range(5):
        d = base / f"d{i}"
        d.mkdir()
        (d / "walk.gif").write_bytes(b"GIF89a")
        os.utime(d, (now - 100 * i, now - 100 * i))
    assert temp_files.prune(base, now=now, max_age_s=250, max_files=10) == 2  # d3, d4: older than 250 s
    assert temp_files.prune(base, now=now, max_age_s=1e9, max_files=1) == 2  # d1, d2: beyond the newest one
    assert [p.name for p in base.iterdir()] == ["d0"]


def test_an_image_bomb_in_a_folder_is_skipped_before_it_is_decoded(tmp_path):
    from PIL import Image

    from gan_core.data.folder import load_image_folder

    Image.new("L", (12_000, 12_000)).save(tmp_path / "bomb.png", optimize=True)  # ~150 KB on disk, 144 MP
    Image.new("L", (40, 30), 200).save(tmp_path / "fine.png")
    before = rss_mb()
    x, skipped = load_image_folder(tmp_path, size=8)
    assert x.shape == (1, 1, 8, 8) and skipped == 1
    assert rss_mb() - before < 100


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
@pytest.mark.skipif(not worker.processes_available(), reason="run processes are Linux-only")
def test_a_killed_zygote_is_reaped_not_left_a_zombie():
    from live import zygote as zy

    z = zy.zygote()
    pid = z._proc.pid
    os.kill(pid, 9)
    poll_until(lambda: z._proc.returncode is not None, timeout_s=10)  # (the reaper thread's result: no event)
    assert z._proc.returncode is not None and not Path(f"/proc/{pid}").exists()
    assert zy.zygote().alive  # the next run gets a fresh one


@pytest.fixture
def train_args(train_inputs):
    return train_inputs


def test_refused_uploads_are_deleted_and_a_tab_keeps_a_few(tmp_path):
    from gan_core.checkpoint import CheckpointError
    from ui.latent.sources import MAX_UPLOADS, add_upload

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        add_upload(str(bad), {})
    assert not bad.exists()  # a refused file takes no disk
    uploaded: dict = {}
    files = []
    for i in range(MAX_UPLOADS + 3):
        files.append(tmp_path / f"u{i}.safetensors")
        files[-1].write_bytes((SHIPPED / "ring8.safetensors").read_bytes())
        _, uploaded, _ = add_upload(str(files[-1]), uploaded)
    assert len(uploaded) == MAX_UPLOADS
    assert [f.exists() for f in files] == [False] * 3 + [True] * MAX_UPLOADS
