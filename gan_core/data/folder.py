"""A user's own images: a folder or a .zip, resized to a square DCGAN size.

Every file is tried with PIL; one that is not an image is skipped and counted (the UI says
"skipped 3 files that are not images"), and an archive or folder with no image at all is a
clear error rather than an empty dataset.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import torch

from gan_core.errors import DatasetError

MAX_IMAGES = 20_000  # keep a classroom server's memory bounded
MAX_FILE_BYTES = 20 * 1024 * 1024  # a single image larger than this is skipped
MAX_PIXELS = 4096 * 4096  # an image with more pixels is skipped before it is decoded (a 12k x 12k PNG is 2 GB)
MAX_ENTRIES = 100_000  # files looked at in a folder or archive
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # bytes read (decompressed) from a folder or archive, in all


def _decode(raw: bytes, size: int, channels: int) -> np.ndarray | None:
    """bytes -> uint8 [C, size, size], or None when the bytes are not an image."""
    from PIL import Image, UnidentifiedImageError

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
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1)


def _iter_files(path: Path):
    """Yield (name, bytes) for each regular file in a folder (recursive) or a zip archive: at most
    MAX_ENTRIES files and MAX_TOTAL_BYTES read in all; a file over MAX_FILE_BYTES yields b"" (skipped)."""
    budget = MAX_TOTAL_BYTES
    for count, (name, size, read) in enumerate(_entries(path)):
        if count >= MAX_ENTRIES or budget <= 0:
            return
        if size > MAX_FILE_BYTES or size > budget:
            yield name, b""
            continue
        raw = read()[:MAX_FILE_BYTES + 1]
        budget -= len(raw)
        yield name, raw if len(raw) <= MAX_FILE_BYTES else b""


def _entries(path: Path):
    """(name, declared size, read) for each file; read() returns its bytes."""
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            yield f.name, f.stat().st_size, f.read_bytes
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or info.filename.startswith("__MACOSX/"):
                    continue
                # a zip's declared size can lie; zf.read checks the real one against it (BadZipFile)
                yield info.filename, info.file_size, lambda info=info: zf.read(info)
    else:
        raise DatasetError(f"{path} is neither a folder nor a .zip archive of images.")


def load_image_folder(path: str | Path, size: int = 32, channels: int = 1) -> tuple[torch.Tensor, int]:
    """Images under `path` as [N, C, size, size] in [-1, 1], and the number of skipped files."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"image folder {str(path)!r} does not exist.")
    images, skipped = [], 0
    try:
        for _, raw in _iter_files(path):
            arr = _decode(raw, size, channels) if raw else None
            if arr is None:
                skipped += 1
                continue
            images.append(arr)
            if len(images) >= MAX_IMAGES:
                break
    except zipfile.BadZipFile as e:
        raise DatasetError(f"{path.name} is not a readable .zip archive ({e}).") from e
    if not images:
        raise DatasetError(f"no images found in {path.name} ({skipped} file(s) skipped as not images). "
                           "Use PNG or JPEG files, in a folder or a .zip.")
    x = torch.from_numpy(np.stack(images)).float() / 127.5 - 1.0
    return x, skipped
