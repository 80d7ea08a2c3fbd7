"""A student's own data through the real app's API (as a page or a hand-written client sends it): a
drawing or an upload becomes the tab's dataset and Start trains on it; hostile drawings and files get
a sentence, and the server keeps serving."""

from __future__ import annotations

import io
import json
import math
import zipfile

import numpy as np
import pytest
from PIL import Image

from ui.common import session_id

from conftest import status_of


def ring_json(radius: float = 0.3) -> str:
    stroke = [[0.5 + radius * math.cos(t), 0.5 + radius * math.sin(t)] for t in np.linspace(0, 2 * math.pi, 40)]
    return json.dumps({"strokes": [stroke]})


def message_of(out) -> str:
    return out[0] if isinstance(out, (list, tuple)) else str(out)


def test_a_drawing_becomes_the_dataset_and_start_trains_on_it_in_the_class(capped_app, client, train_inputs):
    registry = capped_app[0].ctx.registry
    c = client()
    out = c.predict(ring_json(), "ring8", api_name="/draw")
    assert "points" in out[0] and out[1] == "points", out[:2]
    status = status_of(c.predict(*train_inputs(dataset="points"), api_name="/start"))
    assert "running" in status and "points" in status, status
    run = registry.get(session_id(c))
    radii = np.linalg.norm(np.asarray(run.cfg.data.points), axis=1)
    assert run.cfg.data.name == "points" and np.allclose(radii, 1.5, atol=0.02)  # 0.3 of the canvas
    assert getattr(run, "shares_a_step", False)  # a drawing trains in the class's batched step
    c.predict(api_name="/pause")


def test_an_own_dataset_before_any_data_is_a_sentence(client, train_inputs):
    c = client()
    for dataset, words in (("points", "Draw on the canvas"), ("folder", "Upload a .zip")):
        out = c.predict(*train_inputs(dataset=dataset), api_name="/start")
        assert words in out[1], out[:2]


@pytest.mark.parametrize("text,words", [
    ("x" * 500_000, "too large"),
    ("[" * 100_000 + "]" * 100_000, "could not be read"),
    (json.dumps({"strokes": [[[0.5, 0.5]] * 20_001]}), "more than 20,000"),
    ('{"strokes": [[[NaN, 1e999]]]}', "two numbers"),
])
def test_hostile_drawings_get_a_sentence(text, words, capped_app, client, post_event):
    out = post_event(capped_app[1], "draw", [text, "ring8"], f"hostile-draw-{len(text)}-{words[:5]}")
    assert words in message_of(out), str(out)[:300]
    assert client().predict(ring_json(), "ring8", api_name="/draw")[1] == "points"  # still serves


def upload(c, path):
    from gradio_client import handle_file

    return c.predict(handle_file(str(path)), "ring8", api_name="/own_upload")


@pytest.mark.parametrize("name,raw,words", [
    ("p.csv", b"0,1,2\n", "exactly two"),
    ("p.csv", b"0,1\n" * 2_001, "2,001 rows"),
    ("p.csv", b"0,1\nnan,1\n", "NaN or infinite"),
    ("p.npy", b"\x93NUMPY\x01\x00garbage", "not a readable .npy"),
    ("p.zip", b"PK\x03\x04 not a zip", "not a .zip"),
])
def test_hostile_uploads_get_a_sentence(name, raw, words, client, tmp_path):
    path = tmp_path / name
    path.write_bytes(raw)
    out = upload(client(), path)
    assert words in out[1] and out[1].startswith("⚠️"), out[:3]


def test_uploaded_points_and_images_become_the_dataset(capped_app, client, tmp_path, train_inputs):
    registry = capped_app[0].ctx.registry
    c = client()
    csv = tmp_path / "mine.csv"
    csv.write_text("x,y\n" + "\n".join(f"{math.cos(t):.3f},{math.sin(t):.3f}" for t in np.linspace(0, 6, 50)))
    out = upload(c, csv)
    assert "50 points" in out[1] and out[2] == "points", out[:3]
    assert "points" in status_of(c.predict(*train_inputs(dataset="points"), api_name="/reset"))
    assert len(registry.get(session_id(c)).cfg.data.points) == 50

    archive = tmp_path / "faces.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(8):
            buf = io.BytesIO()
            Image.new("L", (20, 20), 30 * i).save(buf, format="PNG")
            zf.writestr(f"faces/{i}.png", buf.getvalue())
    out = upload(c, archive)
    assert "8 image files" in out[1] and out[2] == "folder", out[:3]
    values = dict(zip(("dataset",), ("folder",)))
    status = status_of(c.predict(*train_inputs(**values, width=16, nz=8, batch_size=16, conditional=False),
                                 api_name="/reset"))
    run = registry.get(session_id(c))
    assert run.cfg.data.name == "folder" and "own-images" in run.cfg.data.path, status
