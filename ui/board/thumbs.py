"""The class board's thumbnails: a 2D run's as numbers the browser draws, an image run's as a file.

A 2D run's thumbnail is its field's heat map and points, packed in ~2.5 KB (ui/live_view/payload.py
`thumbnail`; live_view.js draws it on a canvas): packing costs ~0.1 ms, so every poll sends every
run's newest. A sample grid is shrunk and written as a PNG file in Gradio's cache: a run's picture
changes every second while it trains, so each poll redraws at most `max_redraws` of those (the
stalest first) and shows the others' last ones; files are named by content (png_file), so the
browser fetches only the ones that changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from gan_core.pictures.field_thumb import shrink
from gan_core.pictures.viz import png_bytes
from ui.live_view.payload import thumbnail
from ui.train.view import png_file

MAX_REDRAWS = 6  # thumbnails drawn per board poll (each ~2.5 ms with its PNG)
MAX_KEPT = 512  # thumbnails remembered, across all rooms (least recently shown go first)


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

    def pictures(self, entries: list[tuple[str, object, dict | None]]) -> dict[str, str | dict | None]:
        """{token: a 2D run's thumbnail numbers (dict), an image run's file url (str), or None} for
        (token, run, snapshot) entries; redraws at most max_redraws sample grids."""
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
        fields = [s for s in stale if s[3].field is not None]  # numbers: cheap, every one of them
        grids = [s for s in stale if s[3].field is None][:self.max_redraws]
        for _, token, key, snap in fields + grids:
            if snap.field is not None:
                picture = thumbnail(snap.field)
            elif snap.samples is not None:
                picture = file_url(png_file(png_bytes(shrink(snap.samples), compress_level=1), self.folder))
            else:
                picture = None
            kept[token] = (key, picture, poll)
            self.drawn += 1
        with self._lock:
            for token, value in kept.items():
                if value is not None:
                    self._kept[token] = value
                    self._kept.move_to_end(token)
            while len(self._kept) > self.max_kept:
                self._kept.popitem(last=False)
        return {t: (None if v is None else v[1]) for t, v in kept.items()}
