"""The class board's thumbnails as files in Gradio's cache, redrawn only when a run's picture changed.

A run's picture changes every half second while it trains, so with thirty runs every poll would
redraw all of them; instead each poll redraws at most `max_redraws` (the stalest first) and shows
the others' last thumbnails: the board's cost per poll stays about one student's, whatever the
room's size, and a thumbnail is at most a few polls old. Files are named by content (png_file), so
the browser fetches only the ones that changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from gan_core.pictures.field_thumb import field_thumbnail, shrink
from gan_core.pictures.viz import png_bytes
from live.snapshot import Snapshot
from ui.train.view import png_file

MAX_REDRAWS = 6  # thumbnails drawn per board poll (each ~2.5 ms with its PNG)
MAX_KEPT = 512  # thumbnails remembered, across all rooms (least recently shown go first)


def thumbnail(snap: Snapshot):
    """uint8 [h, w, 3] of a snapshot's picture (the field or the sample grid), or None."""
    if snap.field is not None:
        return field_thumbnail(snap.field)
    if snap.samples is not None:
        return shrink(snap.samples)
    return None


def file_url(path: str) -> str:
    """A cache file's URL, relative to the page (so it works under a proxy's path prefix too)."""
    return f"gradio_api/file={path}"


class Thumbnails:
    def __init__(self, folder: str | Path, max_redraws: int = MAX_REDRAWS, max_kept: int = MAX_KEPT):
        self.folder, self.max_redraws, self.max_kept = folder, max_redraws, max_kept
        self._lock = threading.Lock()
        self._kept: OrderedDict = OrderedDict()  # token -> (picture key, url, poll number when drawn)
        self._polls = 0
        self.drawn = 0  # thumbnails drawn so far (tests, the bench)

    def urls(self, entries: list[tuple[str, object, dict | None]]) -> dict[str, str | None]:
        """{token: url or None} for (token, run, snapshot) entries; redraws at most max_redraws."""
        with self._lock:
            self._polls += 1
            poll = self._polls
            kept = {t: self._kept.get(t) for t, _, _ in entries}
        stale = []
        for token, run, snap in entries:
            if snap is None:
                continue
            key = (id(run), snap.visual_step)  # a new picture, or a new run (Reset)
            if kept[token] is None or kept[token][0] != key:
                stale.append(((kept[token] or (None, None, 0))[2], token, key, snap))
        stale.sort(key=lambda s: s[0])  # the oldest thumbnails first
        for _, token, key, snap in stale[:self.max_redraws]:
            image = thumbnail(snap)
            url = None if image is None else file_url(png_file(png_bytes(image, compress_level=1), self.folder))
            kept[token] = (key, url, poll)
            self.drawn += 1
        with self._lock:
            for token, value in kept.items():
                if value is not None:
                    self._kept[token] = value
                    self._kept.move_to_end(token)
            while len(self._kept) > self.max_kept:
                self._kept.popitem(last=False)
        return {t: (None if v is None else v[1]) for t, v in kept.items()}
