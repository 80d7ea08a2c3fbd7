"""A student's own images as an uploaded .zip: checked from its directory before a byte is inflated.

The engine's `folder` dataset (`folder.py`) reads any folder or zip with generous bounds meant
for a teacher's own machine. An upload from a public page gets tighter ones, checked here from the
zip's central directory (names and declared sizes: nothing decompressed yet). The declared sizes
are a real bound: `zipfile` refuses an entry that inflates to more than it declared (BadZipFile).
Entries are read into memory, never extracted, so names such as "../../etc/x" write nothing.
Last, the images' pixels are summed from their headers (folder.check_pixel_budget): a few KB
inflated per entry, nothing decoded, so a set that would take minutes to decode is refused at upload.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from gan_core.data.folder import check_pixel_budget
from gan_core.errors import DatasetError

MAX_ARCHIVE_BYTES = 64 * 1024 * 1024  # the upload itself (Gradio refuses larger ones as they arrive)
MAX_ARCHIVE_ENTRIES = 5_000  # files and folders listed: so at most 5,000 images (20 MB as grey 32x32 float32)
MAX_DEPTH = 8  # folders inside folders in an entry's name
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # declared size of all entries together, inflated (zip bombs)
MAX_RATIO = 200  # an entry that inflates more than this many times its compressed size is a bomb...
MIN_BOMB = 2**20  # ...when it inflates to more than 1 MB (a tiny blank PNG can compress far better than 200:1)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")


def check_image_zip(path: str | Path, shown_name: str | None = None) -> int:
    """Raise DatasetError with a sentence unless `path` is a zip within every bound above that names
    at least one image file; return how many entries look like images (by their suffix). Messages name
    the file `shown_name` (the name it was uploaded as; by default the path's last part, never the path)."""
    path = Path(path)
    shown_name = path.name if shown_name is None else Path(shown_name).name
    name = repr(shown_name[:60])
    size = path.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        raise DatasetError(f"{name} is {size / 2**20:.0f} MB; an archive may be at most "
                           f"{MAX_ARCHIVE_BYTES // 2**20} MB.")
    if not zipfile.is_zipfile(path):
        raise DatasetError(f"{name} is not a .zip archive. Put your images in a folder, zip it, and upload the .zip.")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as e:
        raise DatasetError(f"{name} is not a readable .zip archive ({e}).") from e
    except OSError as e:  # its text names the server's path: not shown
        raise DatasetError(f"{name} could not be read ({e.strerror or type(e).__name__}).") from e
    if len(infos) > MAX_ARCHIVE_ENTRIES:
        raise DatasetError(f"{name} lists {len(infos):,} entries; an archive may hold at most "
                           f"{MAX_ARCHIVE_ENTRIES:,} files and folders (so at most {MAX_ARCHIVE_ENTRIES:,} images).")
    deepest = max((i.filename.strip("/").count("/") for i in infos), default=0)
    if deepest > MAX_DEPTH:
        raise DatasetError(f"{name} nests folders {deepest} deep; at most {MAX_DEPTH} levels are accepted.")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise DatasetError(f"{name} would inflate to {total / 2**20:,.0f} MB; at most "
                           f"{MAX_UNCOMPRESSED // 2**20} MB of files are accepted.")
    bomb = next((i for i in infos
                 if i.file_size > MAX_RATIO * max(i.compress_size, 1) and i.file_size > MIN_BOMB), None)
    if bomb is not None:
        raise DatasetError(f"{name}: {bomb.filename[:60]!r} inflates {bomb.file_size // max(bomb.compress_size, 1):,} "
                           f"times its size (a zip bomb?); at most {MAX_RATIO} times is accepted.")
    images = sum(1 for i in infos if not i.is_dir() and i.filename.lower().endswith(IMAGE_SUFFIXES)
                 and not i.filename.startswith("__MACOSX/"))
    if images == 0:
        raise DatasetError(f"{name} holds no images ({len(infos)} entries, none .png, .jpg, .gif, .bmp or .webp).")
    check_pixel_budget(path, shown_name=shown_name)
    return images
