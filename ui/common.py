"""Shared UI plumbing: the app context passed to every tab, and small helpers."""

from __future__ import annotations

import functools
import hashlib
import html
import inspect
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from live.serving.rooms import RoomRegistry
from live.serving.sessions import SessionRegistry
from live.serving.shared_snapshot import SharedSnapshots
from ui.live_view.feed import LiveFeed
from ui.request_limits import client_address

ROOT = Path(__file__).resolve().parent.parent
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CHECKPOINT_DIR = Path(os.environ.get("GAN_CLASSROOM_CHECKPOINTS", ROOT / "checkpoints"))


@dataclass
class AppContext:
    registry: SessionRegistry  # session hash -> that tab's training run
    checkpoint_dir: Path = CHECKPOINT_DIR
    rooms: RoomRegistry | None = None  # class rooms: code -> member sessions (None: one asking `registry` for runs)
    watched: SharedSnapshots = field(default_factory=SharedSnapshots)  # runs many tabs watch (class runs)
    feed: LiveFeed | None = None  # the live view's tokens and polls (ui/live_view/feed.py)

    def __post_init__(self):
        if self.rooms is None:  # (a member with a run is present, and keeps its room open: see live/serving/rooms.py)
            self.rooms = RoomRegistry(has_run=lambda session: self.registry.peek(session) is not None)
        if self.feed is None:
            self.feed = LiveFeed(self.registry, self.rooms, self.watched)
        # a closed tab's run waits for its browser to reload (live/serving/sessions.py); when it does not, its tile goes
        if self.registry is not None:
            self.registry.on_gone = lambda session: self.rooms.leave(session)


def session_id(request) -> str:
    """Gradio's per-tab session hash ("local" in direct function calls, e.g. from tests). It is
    whatever the client sent: a key into the registry, never a path, and bounded here: an id that is
    not a short plain token is replaced by a digest of itself (distinct ids stay distinct)."""
    sid = getattr(request, "session_hash", None) or "local"
    if isinstance(sid, str) and _PLAIN_ID.fullmatch(sid):
        return sid
    return "h-" + hashlib.sha256(str(sid).encode("utf-8", "replace")).hexdigest()[:32]


def client_id(request) -> str:
    """Who is asking, for the per-client caps: the client's address (ui.request_limits.client_address, the
    same rule the event limits read before Gradio's queue)."""
    headers = getattr(request, "headers", None) or {}
    peer = getattr(getattr(request, "client", None), "host", "")
    return client_address(str(headers.get("x-forwarded-for", "")), peer)


_MARKDOWN_PUNCTUATION = {c: "\\" + c for c in string.punctuation if c not in "&<>\"'"}


def plain_markdown(text: str) -> str:
    """Text a client chose (a nickname), to be shown as itself inside gr.Markdown: every Markdown
    mark backslash-escaped (`![](//host/x)` is no picture, `[a](javascript:...)` no link, `**b**` not
    bold, `http://x` no autolink) and the HTML characters escaped (`<img>` is no tag)."""
    return html.escape("".join(_MARKDOWN_PUNCTUATION.get(c, c) for c in str(text)), quote=True)


def sentence(error) -> str:
    """A refusal as the page shows it: a warning sign and the error's sentence, capitalised."""
    text = str(error)
    return f"⚠️ {text[:1].upper()}{text[1:]}"


def explained(handler):
    """A handler whose bad input (a value out of range, a name that does not exist, text where a
    number goes: all possible over the API) becomes a sentence on the page, not a bare "Error"."""
    @functools.wraps(handler)
    def wrapped(*args):
        try:
            return handler(*args)
        except ValueError as e:
            raise gr.Error(f"Not shown: {e}") from None
    return wrapped


def bind(handler, *first):
    """`handler` with its first arguments fixed (the app context, a tab's components), as an event
    handler. Not a functools.partial: Gradio finds a `request: gr.Request` or `evt: gr.EventData`
    parameter by its annotation, which it cannot read through a partial."""
    @functools.wraps(handler)
    def bound(*args, **kwargs):
        return handler(*first, *args, **kwargs)
    bound.__signature__ = inspect.signature(functools.partial(handler, *first))
    return bound
