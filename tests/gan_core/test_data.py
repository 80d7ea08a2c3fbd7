"""Datasets: the 2D mixtures' known geometry, images in [-1, 1], downloads failing offline with advice,
and user image folders / zips with non-images skipped and counted."""

import math
import urllib.error
import zipfile

import numpy as np
import pytest
import torch

from gan_core.config import POINT_DATASETS, DataConfig
from gan_core.data import load_dataset
from gan_core.data.folder import load_image_folder
from gan_core.data.images import resize_images
from gan_core.data.points import make_points, mixture_centers
from gan_core.errors import DatasetError

from conftest import png_header

# --- 2D point sets ------------------------------------------------------------------------------

def nearest(points: torch.Tensor, centers: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(index of the nearest centre [N], offset from it [N, 2])."""
    idx = torch.cdist(points, centers).argmin(1)
    return idx, points - centers[idx]


def test_ring8_geometry():
    centers, std = mixture_centers("ring8")
    angles = torch.linspace(0, 2 * math.pi, 9)[:8]
    assert torch.allclose(centers, 2 * torch.stack([angles.cos(), angles.sin()], 1))
    assert torch.allclose(centers.norm(dim=1), torch.full((8,), 2.0))
    assert std == 0.02
    pts = make_points("ring8", 16_000, seed=0)
    idx, offset = nearest(pts, centers)
    assert offset.std().item() == pytest.approx(0.02, rel=0.05)
    counts = torch.bincount(idx, minlength=8)
    assert counts.min() > 1700 and counts.max() < 2300  # equal weights: 2000 each


def test_grid25_geometry():
    centers, std = mixture_centers("grid25")
    ticks = {-4.0, -2.0, 0.0, 2.0, 4.0}
    assert {(x, y) for x, y in centers.tolist()} == {(x, y) for x in ticks for y in ticks}
    assert std == 0.05
    idx, offset = nearest(make_points("grid25", 25_000, seed=1), centers)
    assert offset.std().item() == pytest.approx(0.05, rel=0.05)
    assert torch.bincount(idx, minlength=25).min() > 800


def test_two_gaussians_geometry():
    centers, std = mixture_centers("two_gaussians")
    assert centers.tolist() == [[-1.0, -1.0], [1.0, 1.0]] and std == 0.25


@pytest.mark.parametrize("name", POINT_DATASETS)
def test_point_sets(name):
    cfg = DataConfig(name=name, n_points=2000)
    data = load_dataset(cfg, "cpu", seed=3)
    assert data.x.shape == (2000, 2) and data.x.dtype == torch.float32 and data.is_points
    assert torch.isfinite(data.x).all() and data.x.abs().max() < 6
    assert data.y is None and data.num_classes == 0
    assert (data.centers is not None) == (name in ("ring8", "grid25", "two_gaussians"))
    assert torch.equal(load_dataset(cfg, "cpu", seed=3).x, data.x)  # seeded
    assert not torch.equal(load_dataset(cfg, "cpu", seed=4).x, data.x)


def test_spiral_and_moons_shapes():
    spiral = make_points("spiral", 4000)
    r = spiral.norm(dim=1)
    assert 1.8 < r.max() < 2.2 and r.min() < 0.2  # one arm from the centre out to radius ~2
    moons = make_points("moons", 4000)
    assert moons.mean(0).abs().max() < 0.2  # centred
    line = make_points("line", 2000)
    assert torch.allclose(line[:, 1], 0.5 * line[:, 0], atol=0.15)


def test_sample_is_reproducible_from_a_generator():
    data = load_dataset(DataConfig(name="ring8", n_points=500))
    a, _ = data.sample(64, torch.Generator().manual_seed(0))
    b, _ = data.sample(64, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == (64, 2)


# --- image sets ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name,shape", [("digits", (1797, 1, 8, 8)), ("mnist5k", (5000, 1, 28, 28))])
def test_offline_image_sets(name, shape):
    data = load_dataset(DataConfig(name=name))
    assert data.x.shape == shape and not data.is_points and data.image_shape == shape[1:]
    assert data.x.min() == -1.0 and data.x.max() == 1.0  # the full range, no more
    assert data.y.dtype == torch.long and data.num_classes == 10 and data.class_names[3] == "3"
    assert torch.bincount(data.y).min() > 150
    x, y = data.sample(16)
    assert x.shape == (16, *shape[1:]) and y.shape == (16,)


def test_image_size_resizes():
    data = load_dataset(DataConfig(name="digits", image_size=32))
    assert data.x.shape == (1797, 1, 32, 32)
    assert data.x.min() >= -1 and data.x.max() <= 1


def test_resize_images():
    x = torch.rand(2, 3, 28, 28) * 2 - 1
    assert resize_images(x, 28) is x
    down = resize_images(x, 8)
    assert down.shape == (2, 3, 8, 8) and down.min() >= -1 and down.max() <= 1
    assert resize_images(torch.ones(1, 1, 8, 8), 64).eq(1).all()


@pytest.mark.parametrize("name,klass", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST"),
                                        ("cifar10", "CIFAR10")])
def test_download_dataset_offline_gives_advice(name, klass, monkeypatch, tmp_path):
    import torchvision

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets, klass, offline)
    monkeypatch.setenv("GAN_CLASSROOM_DATA", str(tmp_path))
    with pytest.raises(DatasetError) as e:
        load_dataset(DataConfig(name=name))
    message = str(e.value)
    assert name in message and "URLError" in message and "internet" in message
    assert "digits" in message and "mnist5k" in message


# --- a user's images ------------------------------------------------------------------------------

def png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)


@pytest.fixture
def mixed_folder(tmp_path):
    """3 real images (one grey, one wide colour, one JPEG), a text file, and a fake .png, in nested folders."""
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    png(folder / "white.png", np.full((10, 10), 255, np.uint8))
    png(folder / "sub" / "wide.png", np.zeros((10, 30, 3), np.uint8))
    from PIL import Image

    Image.fromarray(np.full((12, 12, 3), 128, np.uint8)).save(folder / "grey.jpg", quality=95)
    (folder / "notes.txt").write_text("not an image")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    return folder


@pytest.mark.parametrize("channels", [1, 3])
def test_folder_skips_and_counts_non_images(mixed_folder, channels):
    data = load_dataset(DataConfig(name="folder", path=str(mixed_folder), image_size=8, channels=channels))
    assert data.x.shape == (3, channels, 8, 8) and data.skipped == 2
    assert data.x.min() >= -1 and data.x.max() <= 1
    assert data.y is None and data.num_classes == 0
    # sorted paths: broken.png, grey.jpg, notes.txt, sub/wide.png, white.png
    assert data.x[0].mean().item() == pytest.approx(128 / 127.5 - 1, abs=0.02)
    assert data.x[1].eq(-1).all()  # black, centre-cropped from 10x30
    assert data.x[2].eq(1).all()  # white


def test_zip_like_folder(mixed_folder, tmp_path):
    archive = tmp_path / "mine.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(mixed_folder.rglob("*")):
            zf.write(f, f.relative_to(mixed_folder))  # directories become entries too: never counted
        zf.writestr("__MACOSX/._white.png", b"resource fork")  # macOS junk: ignored, not counted
    x, skipped = load_image_folder(archive, size=28, channels=3)
    assert x.shape == (3, 3, 28, 28) and skipped == 2


def test_empty_archive_is_a_clear_error(tmp_path):
    archive = tmp_path / "empty.zip"
    zipfile.ZipFile(archive, "w").close()
    with pytest.raises(DatasetError, match=r"no images found in empty\.zip \(0 file\(s\) skipped"):
        load_image_folder(archive)


def test_archive_without_images_is_a_clear_error(tmp_path):
    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.txt", "hello")
        zf.writestr("b.csv", "1,2")
    with pytest.raises(DatasetError, match=r"no images found in docs\.zip \(2 file\(s\) skipped.*PNG or JPEG"):
        load_dataset(DataConfig(name="folder", path=str(archive)))


def test_empty_folder_missing_path_and_other_files(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no images found"):
        load_image_folder(tmp_path / "empty")
    with pytest.raises(DatasetError, match="does not exist"):
        load_image_folder(tmp_path / "nowhere")
    (tmp_path / "image.tar").write_bytes(b"\x00" * 100)
    with pytest.raises(DatasetError, match="neither a folder nor a .zip"):
        load_image_folder(tmp_path / "image.tar")


def never_decode(*args):
    raise AssertionError("an image was decoded before the set's pixels were counted")


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_set_over_the_pixel_budget_is_refused_before_any_image_is_decoded(tmp_path, monkeypatch, as_zip):
    """Nine headers of 4096 x 4096 are 151 million pixels (the budget is 128 million): refused with the
    numbers, and _decode is never called."""
    from gan_core.data import folder

    monkeypatch.setattr(folder, "_decode", never_decode)
    bombs = tmp_path / "bombs"
    bombs.mkdir()
    for i in range(9):
        (bombs / f"{i}.png").write_bytes(png_header(4096, 4096))
    path = bombs
    if as_zip:
        path = tmp_path / "bombs.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for f in sorted(bombs.iterdir()):
                zf.write(f, f.name)
    with pytest.raises(DatasetError, match=r"the first 8 already hold 134 million pixels "
                                           r"\(the largest 4,096 x 4,096\); a set may hold at most 128 million"):
        load_image_folder(path)


def test_the_pixel_count_sees_what_the_decoder_decodes(mixed_folder, monkeypatch):
    """Non-images and images over MAX_PIXELS count nothing (they are skipped, never decoded); a set at the
    budget loads, one pixel over is refused."""
    from gan_core.data import folder

    (mixed_folder / "bomb.png").write_bytes(png_header(5000, 5000))  # over MAX_PIXELS: skipped, not counted
    (mixed_folder / "renamed.dat").write_bytes(png_header(2, 2))  # an image by its content, whatever its name
    images, pixels, largest = folder.count_pixels(mixed_folder)
    assert (images, pixels, largest) == (4, 10 * 10 + 10 * 30 + 12 * 12 + 2 * 2, (30, 10))
    monkeypatch.setattr(folder, "MAX_SET_PIXELS", pixels)
    x, skipped = load_image_folder(mixed_folder, size=8)  # (2 x 2 needs 6 bytes of data: renamed.dat decodes)
    assert x.shape[0] == 4 and skipped == 3
    monkeypatch.setattr(folder, "MAX_SET_PIXELS", pixels - 1)
    with pytest.raises(DatasetError, match="at most 0 million"):
        load_image_folder(mixed_folder, size=8)


def test_a_broken_entry_is_a_sentence_without_a_server_path(tmp_path):
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.png", png_header(8, 8) + bytes(range(256)) * 40)
    raw = bytearray(archive.read_bytes())
    start = 30 + len("a.png")  # the entry's deflated data, after its local header
    raw[start + 10:start + 60] = b"\xff" * 50
    archive.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match=r"'broken.zip' is not a readable .zip archive") as e:
        load_image_folder(archive)
    assert str(tmp_path) not in str(e.value)


def test_default_folder_size_and_channels(mixed_folder):
    data = load_dataset(DataConfig(name="folder", path=str(mixed_folder)))
    assert data.x.shape == (3, 1, 32, 32)  # 0 = defaults: 32x32 grey
