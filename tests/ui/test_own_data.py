"""Uploads of a student's own data: image archives checked from their directory before anything is
inflated (each refusal a sentence), and the Train tab's panel logic (ui/train/own_data.py) without a server:
what a drawing or an upload sets, what a run's config takes from it, and the bounded stores."""

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from gan_core.config import DataConfig
from gan_core.data import folder, load_dataset
from gan_core.data import own_images as oi
from gan_core.errors import ConfigError, DatasetError
from ui.train import own_data
from ui.train.own_data import OwnData, OwnStore, data_overrides, from_drawing, from_upload

from conftest import png_header

pytestmark = pytest.mark.usefixtures("one_thread")


def png(colour: int = 128, size: int = 12) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (size, size), colour).save(buf, format="PNG")
    return buf.getvalue()


def never_decode(*args):
    raise AssertionError("an image was decoded while an archive was checked")


def make_zip(path, entries: dict, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, raw in entries.items():
            zf.writestr(name, raw)
    return path


@pytest.fixture
def archives(tmp_path, monkeypatch):
    """Kept archives go to a folder of this test's own."""
    monkeypatch.setattr(own_data, "ARCHIVES", tmp_path / "kept")
    return tmp_path / "kept"


# --- image archives -----------------------------------------------------------------------------------

def test_a_zip_of_images_is_accepted_and_trains_as_the_folder_dataset(tmp_path):
    path = make_zip(tmp_path / "mine.zip", {f"cats/{i}.png": png(20 * i) for i in range(5)} | {"notes.txt": b"hi"})
    assert oi.check_image_zip(path) == 5
    data = load_dataset(DataConfig(name="folder", path=str(path), image_size=8), "cpu")
    assert data.x.shape == (5, 1, 8, 8) and data.skipped == 1


def bomb(tmp_path):
    return make_zip(tmp_path / "bomb.zip", {"a.png": png(), "zeros.png": b"\0" * (4 * 2**20)})


BAD_ARCHIVES = {
    "not a zip": (lambda d: (d / "x.zip").write_bytes(b"PK not really") and d / "x.zip", {}, "not a .zip"),
    "a points file": (lambda d: (d / "x.zip").write_bytes(b"0,1\n") and d / "x.zip", {}, "not a .zip"),
    "too large": (lambda d: make_zip(d / "x.zip", {"a.png": png()}), {"MAX_ARCHIVE_BYTES": 10}, "at most 0 MB"),
    "too many entries": (lambda d: make_zip(d / "x.zip", {f"{i}.png": png() for i in range(6)}),
                         {"MAX_ARCHIVE_ENTRIES": 5}, "6 entries; an archive may hold at most 5"),
    "too deep": (lambda d: make_zip(d / "x.zip", {"a/" * 9 + "x.png": png()}), {}, "9 deep; at most 8"),
    "inflates too far in all": (lambda d: make_zip(d / "x.zip", {"a.png": png(), "b.png": b"\1" * 5000}),
                                {"MAX_UNCOMPRESSED": 4000}, "would inflate"),
    "a zip bomb": (bomb, {}, "zip bomb"),
    "no images": (lambda d: make_zip(d / "x.zip", {"a.txt": b"x", "b/c.csv": b"0,1"}), {}, "holds no images"),
    "empty": (lambda d: make_zip(d / "x.zip", {}), {}, "holds no images"),
    # 4,999 black 4096 x 4096 PNGs (49 KB each, 1.8 MB zipped) passed and took ~24 CPU-minutes to decode
    "a pixel bomb": (lambda d: make_zip(d / "x.zip", {f"{i}.png": png_header(4096, 4096) for i in range(9)}), {},
                     "the first 8 already hold 134 million pixels"),
    "over a small budget": (lambda d: make_zip(d / "x.zip", {f"{i}.png": png(size=12) for i in range(3)}),
                            {"MAX_SET_PIXELS": 300},
                            r"the first 3 already hold 0 million pixels \(the largest 12 x 12\)"),
}


@pytest.mark.parametrize("case", BAD_ARCHIVES)
def test_every_bad_archive_is_refused_with_a_sentence(case, tmp_path, monkeypatch):
    make, limits, words = BAD_ARCHIVES[case]
    for name, value in limits.items():
        monkeypatch.setattr(folder if name == "MAX_SET_PIXELS" else oi, name, value)
    monkeypatch.setattr(folder, "_decode", never_decode)  # every bound is checked without decoding an image
    with pytest.raises(DatasetError, match=words):
        oi.check_image_zip(make(tmp_path))


def test_an_entry_that_inflates_past_its_declared_size_is_refused_while_read(tmp_path):
    """The declared sizes bound what is inflated: a lying header fails in zipfile, and the engine says so."""
    path = make_zip(tmp_path / "liar.zip", {"a.png": png(), "b.png": png(200)}, compression=zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("b.png")
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(b"b.png"))  # b.png's central directory entry
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")  # its declared uncompressed size: 10 bytes
    path.write_bytes(bytes(raw))
    assert info.file_size > 10
    # the directory is within bounds, but reading b.png's header stops at 10 bytes: refused at upload already...
    with pytest.raises(DatasetError, match=r"not a readable .zip archive \(Bad CRC-32 for file 'b.png'\)"):
        oi.check_image_zip(path)
    with pytest.raises(DatasetError, match="not a readable .zip"):  # ...and by the build, which reads it too
        load_dataset(DataConfig(name="folder", path=str(path), image_size=8), "cpu")


# --- the panel's logic --------------------------------------------------------------------------------

def test_a_drawing_sets_the_points_and_keeps_the_images(tmp_path):
    own = OwnData(archive="/somewhere/kept.zip")
    drawing = json.dumps({"strokes": [[[0.1, 0.1], [0.9, 0.9]]]})
    new, message = from_drawing(drawing, own)
    assert new.archive == own.archive and len(new.points) > 50 and "points" in message
    assert data_overrides(new, "points") == {"points": new.points}
    assert data_overrides(new, "folder") == {"path": own.archive}
    assert data_overrides(new, "ring8") == {}


@pytest.mark.parametrize("text,words", [("{bad", "could not be read"), ('{"strokes": [[[1, 2, 3]]]}', "two numbers")])
def test_a_bad_drawing_changes_nothing_and_says_why(text, words):
    new, message = from_drawing(text, OwnData(points=((0.0, 0.0),)))
    assert new is None and words in message


def test_a_cleared_canvas_forgets_the_points_and_keeps_the_images():
    new, message = from_drawing("", OwnData(points=((0.0, 0.0),), archive="/kept.zip"))
    assert new == OwnData(archive="/kept.zip") and "Canvas cleared" in message


@pytest.mark.parametrize("dataset,words", [("points", "Draw on the canvas"), ("folder", "Upload a .zip")])
def test_an_own_dataset_before_any_data_is_a_sentence(dataset, words):
    with pytest.raises(ConfigError, match=words):
        data_overrides(OwnData(), dataset)
    with pytest.raises(ConfigError, match=words):
        data_overrides(None, dataset)


def test_an_uploaded_csv_becomes_points_and_the_shared_upload_is_left_alone(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("x,y\n0,0\n1,0\n0,1\n")
    new, dataset, message = from_upload(str(path), OwnData())
    assert dataset == "points" and len(new.points) == 3 and "3 points" in message
    assert path.read_text() == "x,y\n0,0\n1,0\n0,1\n"  # Gradio's file, shared by every session that sent these bytes


def test_an_uploaded_npy_over_the_size_limit_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.zeros((200_000, 2)))
    new, dataset, message = from_upload(str(path), OwnData())
    assert new is None and dataset is None and "at most 1 MB" in message
    assert path.exists()  # Gradio's (shared) file: its delete_cache removes it, never a session


@pytest.mark.parametrize("name,words", [("evil.exe", "upload points as .csv"), ("p.csv", "exactly two")])
def test_a_refused_upload_says_why(tmp_path, name, words):
    path = tmp_path / name
    path.write_bytes(b"1,2,3\n")
    new, dataset, message = from_upload(str(path), OwnData(points=((0.0, 0.0),)))
    assert new is None and dataset is None and words in message and message.startswith("⚠️")


def test_an_uploaded_zip_is_kept_by_content_and_selects_the_folder_dataset(tmp_path, archives):
    first = make_zip(tmp_path / "a.zip", {"1.png": png()})
    new, dataset, message = from_upload(str(first), OwnData(points=((1.0, 1.0),)))
    assert dataset == "folder" and new.points == ((1.0, 1.0),) and "1 image file" in message
    kept = new.archive
    assert kept.startswith(str(archives)) and zipfile.is_zipfile(kept) and first.exists()
    again = make_zip(tmp_path / "b.zip", {"1.png": png()})  # the same bytes, another name
    assert from_upload(str(again), OwnData())[0].archive == kept
    assert len(list(archives.iterdir())) == 1  # (no private copy left behind)
    refused = make_zip(tmp_path / "c.zip", {"a.txt": b"x"})
    assert "holds no images" in from_upload(str(refused), OwnData())[2]
    assert len(list(archives.iterdir())) == 1


@pytest.mark.parametrize("name", ["pts.csv", "faces.zip"])
def test_one_upload_used_by_many_sessions_at_once_works_for_each(name, tmp_path, archives):
    """Gradio stores an upload by its content's digest, so a class uploading one file shares one path:
    the first session deleted it and 7 of 8 got "[Errno 2] No such file or directory: '<path>'"."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("x,y\n0,0\n1,0\n0,1\n")
    else:
        make_zip(path, {f"{i}.png": png(20 * i) for i in range(4)})
    sessions = 8
    together = threading.Barrier(sessions)

    def one_session(_):
        together.wait()
        return from_upload(str(path), OwnData())

    with ThreadPoolExecutor(sessions) as pool:
        results = list(pool.map(one_session, range(sessions)))
    assert all(new is not None and dataset in ("points", "folder") for new, dataset, _ in results), results
    assert len({new for new, _, _ in results}) == 1 and path.exists()
    assert not list(archives.glob(".incoming-*"))  # every private copy moved into place or deleted


def test_an_upload_that_cannot_be_read_is_a_sentence_without_a_path(tmp_path, archives):
    for name in ("gone.csv", "gone.zip"):
        new, dataset, message = from_upload(str(tmp_path / "cache" / name), OwnData())
        assert new is None and message.startswith(f"⚠️ '{name}' could not be read on the server"), message
        assert str(tmp_path) not in message and "/" not in message


def test_kept_archives_are_bounded(tmp_path, archives, monkeypatch):
    monkeypatch.setattr(own_data, "MAX_ARCHIVES", 3)
    for i in range(5):
        own_data.keep_archive(*own_data.private_copy(make_zip(tmp_path / f"{i}.zip", {"x.png": png(i)})))
    assert len(list(archives.glob("*.zip"))) == 3


def test_the_store_keeps_the_most_recent_tabs():
    store = OwnStore(max_tabs=2)
    for sid in ("a", "b"):
        store.put(sid, OwnData(points=((0.0, 0.0),)))
    store.get("a")  # used: b is now the oldest
    store.put("c", OwnData())
    assert len(store) == 2 and store.get("b") == OwnData() and store.get("a").points
