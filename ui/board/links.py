"""The two links of a room: the students' (`?room=K7QF`, on the projector) and the teacher's
(`?room=K7QF&teacher=<key>`, private: it opens the board and works the class run), and reading back
what a teacher pastes into the board's box. Plain functions, no gradio."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from live.serving.rooms import normalize_code, normalize_key

_HOST = re.compile(r"[A-Za-z0-9.\-]{1,100}(:[0-9]{1,5})?")
PASTED_MAX = 400  # characters of a pasted link read (a teacher link is ~60-150)


def room_link(request, code: str) -> str:
    """The students' link, from the address this page was opened at (Host is the client's word: it is
    only shown, and only if it looks like a host name); just the query part when it does not."""
    headers = getattr(request, "headers", None) or {}
    host = str(headers.get("x-forwarded-host") or headers.get("host") or "").split(",")[0].strip()
    if not _HOST.fullmatch(host):
        return f"?room={code}"
    scheme = "https" if str(headers.get("x-forwarded-proto", "")).split(",")[0].strip() == "https" else "http"
    return f"{scheme}://{host}/?room={code}"


def teacher_link(request, code: str, key: str) -> str:
    """The teacher's link: the students' link and the teacher key. Shown only on the teacher's own page."""
    return f"{room_link(request, code)}&teacher={key}"


def pasted_key(text) -> tuple[str | None, str | None]:
    """(code, teacher key) from what a teacher pasted into the board's box: the teacher link, or the
    code and the key with a space between, or the key alone; None for what is missing or malformed."""
    if not isinstance(text, str):
        return None, None
    text = text.strip()[:PASTED_MAX]
    if "=" in text:  # a link, or its query part (at most PASTED_MAX characters: a few dozen fields)
        try:
            query = parse_qs(urlsplit(text).query or text.split("?", 1)[-1])
        except ValueError:  # (urlsplit refuses some junk, e.g. "http://[x")
            return None, None
        return normalize_code((query.get("room") or [None])[0]), normalize_key((query.get("teacher") or [None])[0])
    words = text.replace(",", " ").split()[:8]
    code = next((c for c in map(normalize_code, words) if c), None)
    key = next((k for k in map(normalize_key, words) if k), None)
    return code, key
