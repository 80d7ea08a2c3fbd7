"""Hostile own data, as an attacker would send it to the real app's API (issue 23, findings 5, 9, 11, 12
and 14): a zip whose images are cheap to send and costly to decode, one file uploaded by a class at
once, a scribble that would resample to millions of points, a flood of page links with new settings,
and a points file whose numbers overflow. Each case asserts the sentence the page shows, or a count
(networks built, points made, cache entries), never a time or the process's memory.

The app is the real one (its upload endpoint and queue API), launched in this process with small caps
(conftest's `capped_app`); what it does in this process (the web server's work) can be counted here.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

from gan_core.data import folder
from gan_core.data import own_points as op
from ui.train import view

from conftest import png_header, raw_event, status_of


def upload(c, path):
    """The Train tab's "Your own data" upload: (nothing, message, dataset, ...)."""
    from gradio_client import handle_file

    return c.predict(handle_file(str(path)), "ring8", api_name="/own_upload")


def still_serves(client) -> None:
    """A normal drawing from a fresh tab still becomes the dataset."""
    ring = [[0.5 + 0.3 * np.cos(t), 0.5 + 0.3 * np.sin(t)] for t in np.linspace(0, 6.28, 40)]
    assert client().predict(json.dumps({"strokes": [ring]}), "ring8", api_name="/draw")[1] == "points"


# -- 5: pixels, not bytes ---------------------------------------------------------------------------

def test_a_pixel_bomb_zip_is_refused_at_upload_without_decoding_an_image(client, tmp_path, monkeypatch):
    """4,999 black 4096 x 4096 PNGs in a 1.8 MB zip passed every byte bound and cost ~24 CPU-minutes a
    build. Here 12 headers of 4096 x 4096 (201 million pixels; the budget is 128 million): the upload is
    refused with the numbers, and no image is decoded."""
    import zipfile

    decoded = []
    monkeypatch.setattr(folder, "_decode", lambda *a: decoded.append(a) or None)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(12):
            zf.writestr(f"black/{i}.png", png_header(4096, 4096))
    out = upload(client(), archive)
    assert out[1].startswith("⚠️ The images in 'bomb.zip' are too large"), out[:3]
    assert "134 million pixels (the largest 4,096 x 4,096); a set may hold at most 128 million" in out[1]
    assert not isinstance(out[2], str) and decoded == []  # (the Dataset dropdown is left as it was)
    still_serves(client)


def test_the_pixel_budget_is_read_when_the_upload_is_checked(client, tmp_path, monkeypatch):
    """The budget is the module's, read at each check (so a server may set another): a set over a small
    one is refused, the same set under it is the dataset."""
    import io
    import zipfile

    from PIL import Image

    archive = tmp_path / "small.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(4):
            buf = io.BytesIO()
            Image.new("L", (20, 20), 40 * i).save(buf, format="PNG")
            zf.writestr(f"{i}.png", buf.getvalue())
    c = client()
    monkeypatch.setattr(folder, "MAX_SET_PIXELS", 4 * 400 - 1)
    assert "a set may hold at most 0 million" in upload(c, archive)[1]
    monkeypatch.setattr(folder, "MAX_SET_PIXELS", 4 * 400)
    out = upload(c, archive)
    assert "4 image files" in out[1] and out[2] == "folder", out[:3]


# -- 9: one upload, a class at once -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["pts.csv", "faces.zip"])
def test_a_class_uploading_one_file_at_once_all_get_it(name, capped_app, client, tmp_path, train_inputs):
    """Gradio stores an upload under the digest of its bytes, one file for every session that sends
    them; from_upload deleted it, and 7 of 8 sessions got "[Errno 2] No such file or directory:
    '<the server's upload cache>/.../pts.csv'". Now each of 8 sessions uploading at once gets the data,
    and one of them trains on it."""
    import io
    import zipfile

    from PIL import Image

    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("x,y\n" + "\n".join(f"{np.cos(t):.3f},{np.sin(t):.3f}" for t in np.linspace(0, 6, 40)))
    else:
        with zipfile.ZipFile(path, "w") as zf:
            for i in range(6):
                buf = io.BytesIO()
                Image.new("L", (16, 16), 40 * i).save(buf, format="PNG")
                zf.writestr(f"faces/{i}.png", buf.getvalue())
    sessions = [client() for _ in range(8)]
    for c in sessions:  # (what the uploads answer, not a download of any file an answer names)
        c.download_files = False
    together = threading.Barrier(len(sessions))

    def one(c):
        together.wait()
        return upload(c, path)

    with ThreadPoolExecutor(len(sessions)) as pool:
        answers = list(pool.map(one, sessions))
    expected = ("40 points", "points") if name.endswith(".csv") else ("6 image files", "folder")
    for out in answers:
        assert expected[0] in out[1] and out[2] == expected[1], out[:3]
        assert "Errno" not in out[1] and "/" not in out[1].split("**")[-1]
    values = dict(dataset=expected[1]) if name.endswith(".csv") else dict(
        dataset="folder", width=16, nz=8, batch_size=16, conditional=False)
    status = status_of(sessions[-1].predict(*train_inputs(**values), api_name="/reset"))
    assert expected[1] in status or "running" in status or "Ready" in status, status


def test_an_upload_gone_from_the_cache_is_a_sentence_without_its_path(capped_app, post_event):
    """The file an event names was uploaded, then removed (by Gradio's delete_cache, or by another
    session as before): the page gets a sentence, never the OSError's text with the server's path."""
    from pathlib import Path

    url = capped_app[1]
    r = httpx.post(url + "gradio_api/upload", files={"files": ("gone.csv", b"0,0\n1,1\n2,5\n")}, timeout=30)
    server_path = r.json()[0]
    Path(server_path).unlink()
    data = {"path": server_path, "meta": {"_type": "gradio.FileData"}, "orig_name": "gone.csv"}
    out = post_event(url, "own_upload", [data, "ring8"], "upload-gone")
    text = " ".join(str(o) for o in out)
    assert "gone.csv" in text and server_path not in text and "Errno" not in text, out[:3]


# -- 11: a drawing is bounded before it is resampled ---------------------------------------------------

def test_a_scribble_between_corners_is_resampled_to_a_bounded_number_of_points(client, monkeypatch):
    """20,000 pointer samples jumping between opposite corners (~240 KB of JSON, under the drawing's
    bounds) were resampled to ~3.5 million points before thinning: +137 MB and 0.7 s a call in the web
    server. Counted here: the points made before thinning."""
    made = []
    real = op.resample_strokes
    monkeypatch.setattr(op, "resample_strokes", lambda strokes: made.append(len(out := real(strokes))) or out)
    scribble = [[float(i % 2), float((i // 2) % 2)] for i in range(op.MAX_RAW_POINTS)]
    out = client().predict(json.dumps({"strokes": [scribble]}), "ring8", api_name="/draw")
    assert "2,000 points" in out[0] and out[1] == "points", out[:2]
    assert made and max(made) <= op.MAX_RESAMPLED + 1, made  # was 3,492,000


# -- 12: page links build only bounded things ----------------------------------------------------------

def open_link(url: str, query: dict, session: str) -> list:
    """A page load with a link's query, as the browser sends it: the lesson panel's load event joined
    with the page's query on the join request (its gr.Request.query_params)."""
    config = httpx.get(url + "config", timeout=30).json()
    card = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "lesson-card")
    # (the link's setup runs at page load, chained after the reload handler: app.py)
    fn_index = next(d["id"] for d in config["dependencies"] if card in d.get("outputs", []) and
                    (any(t[1] == "load" for t in d.get("targets", [])) or d.get("trigger_after") is not None))
    msg = raw_event(url, [], session, fn_index=fn_index, query=query)
    assert msg.get("success"), msg
    return msg["output"]["data"]


def test_a_flood_of_new_links_builds_no_network_and_keeps_the_cache_bounded(capped_app, monkeypatch):
    """`?preset=mnist5k&width=256&seed=<new>` built a DCGAN of width 256 in the web server per page load
    (0.4-0.6 s of CPU; ~130 loads grew the server by 1.3 GB). Counted here: networks built, and the
    previews kept, over more distinct links than the cache holds."""
    built = []
    real = view.Trainer
    monkeypatch.setattr(view, "Trainer", lambda cfg, **kw: built.append(cfg.data.name) or real(cfg, **kw))
    url = capped_app[1]
    for seed in range(1, 13):
        out = open_link(url, {"preset": "mnist5k", "width": "256", "seed": str(seed)}, f"link-mnist-{seed}")
        assert "mnist5k" in out, out[:8]  # the link's settings are applied...
    assert "mnist5k" not in built  # ...and no network was built for their preview
    for seed in range(1, view.PREVIEW_CACHE + 6):  # 2D settings: drawn (an MLP), and kept in an LRU
        open_link(url, {"preset": "ring8", "width": "256", "depth": "8", "seed": str(seed)}, f"link-ring-{seed}")
    points, images = view.preview_cache_sizes()
    assert points <= view.PREVIEW_CACHE and images <= len(view.shipped_image_configs())


# -- 14: numbers that overflow -----------------------------------------------------------------------

@pytest.mark.parametrize("raw,words", [
    (b"1e308,1e308\n1.7e308,1.7e308\n", "holds a coordinate of 1.7e+308; every x and y must be within +-1e+09"),
    (b"0,0\n-1e300,1e300\n", "holds a coordinate of 1e+300"),
])
def test_a_points_file_that_would_overflow_is_refused_at_upload(raw, words, client, tmp_path):
    """Accepted before, then Start said "got (-inf, -inf)": the centre (lo + hi) / 2 had overflowed."""
    path = tmp_path / "huge.csv"
    path.write_bytes(raw)
    out = upload(client(), path)
    assert out[1].startswith("⚠️ 'huge.csv'") and words in out[1] and not isinstance(out[2], str), out[:3]
    still_serves(client)
