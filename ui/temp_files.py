"""Files the app writes for a page to download (GIFs, exports): in one folder per kind, named by
content, never by anything a client sent, and pruned by age and count on every write.

Gradio copies a returned file into its own cache (which `delete_cache` empties), so ours are only
needed for the moment it takes to hand them over: MAX_AGE_S is generous.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

ROOT = Path(tempfile.gettempdir()) / "gan_classroom"
MAX_AGE_S = 600.0  # a file older than this is deleted at the next write of its kind
MAX_FILES = 200  # per kind: the oldest go first beyond this


def folder(kind: str) -> Path:
    """A fresh, private folder for one download (under ROOT/kind), after pruning that kind."""
    base = ROOT / kind
    base.mkdir(parents=True, exist_ok=True)
    prune(base)
    return Path(tempfile.mkdtemp(dir=base))


def prune(base: Path, now: float | None = None, max_age_s: float = MAX_AGE_S, max_files: int = MAX_FILES) -> int:
    """Delete ROOT/kind/<folder>s older than max_age_s, and the oldest beyond max_files. Returns how many."""
    now = time.time() if now is None else now
    try:
        entries = sorted(((e.stat().st_mtime, Path(e.path)) for e in os.scandir(base) if e.is_dir()), reverse=True)
    except OSError:
        return 0
    removed = 0
    for i, (mtime, path) in enumerate(entries):
        if i >= max_files or now - mtime > max_age_s:
            for f in path.iterdir():
                f.unlink(missing_ok=True)
            path.rmdir()
            removed += 1
    return removed
