"""A user's own images: a folder or a .zip, resized to a square DCGAN size.

Every file is tried with PIL; one that is not an image is skipped and counted (the UI says
"skipped 3 files that are not images"), and an archive or folder with no image at all is a
clear error rather than an empty dataset.

A build is bounded by its work, not only its bytes: a black 4096 x 4096 PNG is 49 KB but takes
~0.2 s to decode, so 5,000 of them in a 2 MB zip would take ~20 CPU-minutes. Before any image is
decoded, the pixels of the whole set are summed from the files' headers (PIL reads only a header
on `Image.open`) and a set over MAX_SET_PIXELS is refused with a sentence (`check_pixel_budget`).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

from gan_core.errors import DatasetError

MAX_IMAGES = 20_000  # keep a classroom server's memory bounded
MAX_FILE_BYTES = 20 * 1024 * 1024  # a single image larger than this is skipped
MAX_PIXELS = 4096 * 4096  # an image with more pixels is skipped before it is decoded (a 12k x 12k PNG is 2 GB);
#   a phone's 4032 x 3024 photo still passes: one decode of this size is ~50 MB and ~0.2 s
MAX_SET_PIXELS = 128_000_000  # pixels of all the images of a set together, from their headers: decoding costs
#   ~10-20 ns a pixel (PNG or JPEG, converted and resized), so a build decodes for ~2 CPU-seconds at most.
#   MNIST-sized sets use 3% of it (5,000 x 28 x 28 = 4 million); it holds 5,000 images of 160 x 160 or
#   400 photos of 640 x 480; larger photos must be made smaller first (they are trained at 64 x 64 at most).
HEADER_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, TypeError)
#   what PIL raises on a file it cannot read (UnidentifiedImageError is an OSError); a zip that lies about
#   an entry's size raises BadZipFile instead, which is not caught here: the whole archive is refused
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, RuntimeError, EOFError)  # a broken or truncated entry, an
#   encrypted one or a compression zipfile cannot read (NotImplementedError is a RuntimeError)
MAX_ENTRIES = 100_000  # files looked at in a folder or archive
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # bytes read (decompressed) from a folder or archive, in all


def _decode(raw: bytes, size: int, channels: int) -> np.ndarray | None:
    """bytes -> uint8 [C, size, size], or None when the bytes are not an image."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as im:
            if im.width * im.height > MAX_PIXELS:  # only the header is read so far
                return None
            im = im.convert("L" if channels == 1 else "RGB")
            # centre-crop to a square, then resize: keeps the aspect ratio of what is shown
            w, h = im.size
            side = min(w, h)
            im = im.crop(((w - side) // 2, (h - side) // 2, (w + side) // 2, (h + side) // 2))
            im = im.resize((size, size), Image.Resampling.LANCZOS)
            arr = np.asarray(im, dtype=np.uint8)
    except (*HEADER_ERRORS, Image.DecompressionBombError):
        return None
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1)


def _header_size(opener) -> tuple[int, int] | None:
    """(width, height) from a file's header (nothing decoded), or None when PIL cannot read it as an image
    or it is over MAX_PIXELS (skipped by _decode, so it costs nothing)."""
    from PIL import Image

    try:
        with opener() as f, Image.open(f) as im:
            w, h = im.size
    except (*HEADER_ERRORS, Image.DecompressionBombError):
        return None
    return (w, h) if w * h <= MAX_PIXELS else None


def _iter_files(path: Path):
    """Yield (name, open) for each regular file in a folder (recursive) or a zip archive: at most
    MAX_ENTRIES files and MAX_TOTAL_BYTES (their declared sizes) in all; open() gives a binary file,
    and is None for a file over MAX_FILE_BYTES (skipped). The pixel count and the decoding both walk
    this, so they see the same files."""
    budget = MAX_TOTAL_BYTES
    for count, (name, size, opener) in enumerate(_entries(path)):
        if count >= MAX_ENTRIES or budget <= 0:
            return
        if size > MAX_FILE_BYTES or size > budget:
            yield name, None
            continue
        budget -= size
        yield name, opener


def _entries(path: Path):
    """(name, declared size, open) for each file; open() returns it as a binary file object."""
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            yield f.name, f.stat().st_size, lambda f=f: f.open("rb")
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or info.filename.startswith("__MACOSX/"):
                    continue
                # a zip's declared size can lie; reading checks the real one against it (BadZipFile)
                yield info.filename, info.file_size, lambda info=info: zf.open(info)
    else:
        raise DatasetError(f"{path.name!r} is neither a folder nor a .zip archive of images.")


def count_pixels(path: str | Path, limit: int | None = None) -> tuple[int, int, tuple[int, int]]:
    """(images, pixels, the largest image's (w, h)) of what load_image_folder would decode, from the
    files' headers alone (a few KB read of each, nothing decoded); stops as soon as pixels > limit."""
    images, pixels, largest = 0, 0, (0, 0)
    for _, opener in _iter_files(Path(path)):
        size = _header_size(opener) if opener is not None else None
        if size is None:
            continue
        images += 1
        pixels += size[0] * size[1]
        largest = max(largest, size, key=lambda s: s[0] * s[1])
        if images >= MAX_IMAGES or (limit is not None and pixels > limit):
            break
    return images, pixels, largest


def check_pixel_budget(path: str | Path, limit: int | None = None, shown_name: str | None = None) -> int:
    """Raise DatasetError with a sentence when the images under `path` hold more than `limit` pixels
    (MAX_SET_PIXELS by default) in all, counted from their headers before any is decoded; return how
    many images the headers show. Messages name it `shown_name` (default: the path's last part)."""
    path = Path(path)
    limit = MAX_SET_PIXELS if limit is None else limit
    name = repr((path.name if shown_name is None else shown_name)[:60])
    try:
        images, pixels, (w, h) = count_pixels(path, limit)
    except ZIP_ERRORS as e:
        raise DatasetError(f"{name} is not a readable .zip archive ({e}).") from e
    except OSError as e:  # a file that vanished or cannot be read: its path is the server's, not shown
        raise DatasetError(f"a file in {name} could not be read ({e.strerror or type(e).__name__}).") from e
    if pixels > limit:
        raise DatasetError(
            f"The images in {name} are too large to train on here: the first {images:,} already hold "
            f"{pixels / 1e6:,.0f} million pixels (the largest {w:,} x {h:,}); a set may hold at most "
            f"{limit / 1e6:,.0f} million in all (e.g. 5,000 images of 160 x 160). They are trained at 64 x 64 "
            "pixels at most: make them smaller (e.g. 256 x 256) and try again.")
    return images


def load_image_folder(path: str | Path, size: int = 32, channels: int = 1) -> tuple[torch.Tensor, int]:
    """Images under `path` as [N, C, size, size] in [-1, 1], and the number of skipped files. Refuses a
    set over the pixel budget (check_pixel_budget) before decoding any of it."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"the image folder or archive {path.name[:60]!r} does not exist (an uploaded archive "
                           "is kept for a while only: upload it again).")
    check_pixel_budget(path)
    images, skipped = [], 0
    try:
        for _, opener in _iter_files(path):
            arr = None
            if opener is not None:
                with opener() as f:
                    raw = f.read(MAX_FILE_BYTES + 1)  # (a folder's file may have grown since it was listed)
                arr = _decode(raw, size, channels) if len(raw) <= MAX_FILE_BYTES else None
            if arr is None:
                skipped += 1
                continue
            images.append(arr)
            if len(images) >= MAX_IMAGES:
                break
    except ZIP_ERRORS as e:
        raise DatasetError(f"{path.name[:60]!r} is not a readable .zip archive ({e}).") from e
    except OSError as e:  # a file that vanished or cannot be read: its path is the server's, not shown
        raise DatasetError(f"a file in {path.name[:60]!r} could not be read ({e.strerror or type(e).__name__}).") from e
    if not images:
        raise DatasetError(f"no images found in {path.name} ({skipped} file(s) skipped as not images). "
                           "Use PNG or JPEG files, in a folder or a .zip.")
    x = torch.from_numpy(np.stack(images)).float() / 127.5 - 1.0
    return x, skipped
