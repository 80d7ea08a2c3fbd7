"""Class rooms: a teacher opens a room (a short code, `?room=K7QF`); students who open its link join it.

A room maps its code to the sessions (browser tabs) of its members, each with an optional nickname
and an opaque token that the class board shows instead of the session id (a session id is the key
to a student's run: it never leaves the server). Runs stay in the SessionRegistry; a room only
says whose runs the board shows.

Everything is bounded, since any client can invent codes and sessions: at most `max_rooms` rooms
and `max_members` members a room; a session is in one room at most; a room nobody has touched
(opened, joined, looked at on its board) for `idle_close_s` is closed, lazily, by the next call.
The clock is injected so tests move time instead of sleeping.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Collection

from gan_core.errors import ClassroomError

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: a code read off a projector is typed right
CODE_LENGTH = 4  # new codes; 31**4 = 923,521 of them
_CODE = re.compile(f"[{ALPHABET}]{{4,6}}")  # what a link may carry (codes may grow to 6 characters)
NICKNAME_MAX = 24  # characters
IDLE_CLOSE_S = 3600.0  # a room with no activity for an hour is closed
ABSENT_DROP_S = 900.0  # a member whose tab has had no run for this long is dropped (as the registry reaps idle runs)


class RoomError(ClassroomError):
    """A room that cannot be opened or joined, with the sentence the page shows."""


def normalize_code(text) -> str | None:
    """A room code from a link or a text box ('k7qf ' -> 'K7QF'), or None when it is not one."""
    if not isinstance(text, str):
        return None
    code = text.strip().upper()[:16]
    return code if _CODE.fullmatch(code) else None


def clean_nickname(text) -> str:
    """A nickname as shown: printable characters only, spaces collapsed, at most NICKNAME_MAX long
    ('' = anonymous). Escaping for HTML is the view's job; this only bounds it."""
    if not isinstance(text, str):
        return ""
    kept = "".join(c if unicodedata.category(c)[0] not in "CZ" else " " for c in text[:200])
    return " ".join(kept.split())[:NICKNAME_MAX]


@dataclass
class Member:
    session: str  # the tab's session id: never shown to anyone
    token: str  # what the board shows and a click sends back
    number: int  # 1, 2, 3 ... in the order of joining: "Run 3" for an anonymous student
    nickname: str = ""
    present: float = 0.0  # when the member last had a run (or joined)

    @property
    def name(self) -> str:
        return self.nickname or f"Run {self.number}"


@dataclass
class Room:
    code: str
    active: float  # last activity
    members: dict[str, Member] = field(default_factory=dict)  # session -> member
    joined: int = 0  # members ever joined (numbers them)
    # the registry's key for the room's class run: random, so no client can send it as its session id
    class_session: str = field(default_factory=lambda: "class-" + secrets.token_hex(12))


class RoomRegistry:
    def __init__(self, *, max_rooms: int = 20, max_members: int = 60, idle_close_s: float = IDLE_CLOSE_S,
                 absent_drop_s: float = ABSENT_DROP_S, clock: Callable[[], float] = time.monotonic,
                 new_code: Callable[[], str] | None = None):
        if max_rooms < 1 or max_members < 1 or idle_close_s <= 0 or absent_drop_s <= 0:
            raise ValueError("rooms need max_rooms >= 1, max_members >= 1 and positive time limits")
        self.max_rooms, self.max_members = max_rooms, max_members
        self.idle_close_s, self.absent_drop_s = idle_close_s, absent_drop_s
        self._clock = clock
        self._new_code = new_code or (lambda: "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)))
        self._lock = threading.Lock()
        self._rooms: dict[str, Room] = {}
        self._room_of: dict[str, str] = {}  # session -> code

    # -- rooms ---------------------------------------------------------------------------------
    def open(self) -> str:
        """A new room's code. RoomError when the server has as many rooms as it may."""
        with self._lock:
            now = self._close_idle_locked()
            if len(self._rooms) >= self.max_rooms:
                raise RoomError(f"this server already has {self.max_rooms} open rooms (the limit). A room closes "
                                "after an hour without activity; try again later, or reuse your room's code.")
            for _ in range(100):
                code = self._new_code()
                if code not in self._rooms and _CODE.fullmatch(code):
                    self._rooms[code] = Room(code, now)
                    return code
            raise RoomError("could not find a free room code; try again.")

    def exists(self, code: str) -> bool:
        with self._lock:
            self._close_idle_locked()
            return code in self._rooms

    def touch(self, code: str) -> bool:
        """Mark activity in the room (its board is being looked at); False when it is closed."""
        with self._lock:
            now = self._close_idle_locked()
            room = self._rooms.get(code)
            if room is not None:
                room.active = now
            return room is not None

    def class_session(self, code: str) -> str | None:
        """The session id under which the room's class run lives in the SessionRegistry."""
        with self._lock:
            room = self._rooms.get(code)
            return None if room is None else room.class_session

    def close_idle(self) -> list[str]:
        with self._lock:
            before = set(self._rooms)
            self._close_idle_locked()
            return sorted(before - set(self._rooms))

    def _close_idle_locked(self) -> float:
        now = self._clock()
        for code in [c for c, r in self._rooms.items() if now - r.active > self.idle_close_s]:
            for session in self._rooms.pop(code).members:
                self._room_of.pop(session, None)
        return now

    def __len__(self) -> int:
        with self._lock:
            return len(self._rooms)

    # -- members -------------------------------------------------------------------------------
    def join(self, code: str, session: str) -> Member:
        """Put the session in the room (leaving any other room). RoomError if it is closed or full."""
        with self._lock:
            now = self._close_idle_locked()
            room = self._rooms.get(code)
            if room is None:
                raise RoomError(f"there is no open room {code}: check the code with your teacher "
                                "(a room closes after an hour without activity).")
            if session in room.members:
                member = room.members[session]
            else:
                if len(room.members) >= self.max_members:
                    raise RoomError(f"room {code} is full ({self.max_members} runs).")
                self._leave_locked(session)
                room.joined += 1
                member = room.members[session] = Member(session, secrets.token_hex(8), room.joined)
                self._room_of[session] = code
            member.present = room.active = now
            return Member(**vars(member))

    def leave(self, session: str) -> None:
        with self._lock:
            self._leave_locked(session)

    def _leave_locked(self, session: str) -> None:
        code = self._room_of.pop(session, None)
        if code in self._rooms:
            self._rooms[code].members.pop(session, None)

    def room_of(self, session: str) -> str | None:
        with self._lock:
            self._close_idle_locked()
            return self._room_of.get(session)

    def set_nickname(self, session: str, text) -> str:
        """The session's cleaned nickname ('' = anonymous). RoomError when it is in no room."""
        name = clean_nickname(text)
        with self._lock:
            now = self._close_idle_locked()
            code = self._room_of.get(session)
            if code is None:
                raise RoomError("this tab is not in a room (it may have closed after an hour without activity).")
            self._rooms[code].members[session].nickname = name
            self._rooms[code].active = now
            return name

    def members(self, code: str, present: Collection[str] | None = None) -> list[Member]:
        """Copies of the room's members in joining order. With `present` (the sessions that have a
        run now), members absent for absent_drop_s are dropped first: their tab closed unannounced."""
        with self._lock:
            now = self._close_idle_locked()
            room = self._rooms.get(code)
            if room is None:
                return []
            if present is not None:
                for m in list(room.members.values()):
                    if m.session in present:
                        m.present = now
                    elif now - m.present > self.absent_drop_s:
                        self._leave_locked(m.session)
            return [Member(**vars(m)) for m in sorted(room.members.values(), key=lambda m: m.number)]

    def session_for(self, code: str, token) -> str | None:
        """The session behind a token the board sent back (None: not a member of this room)."""
        if not isinstance(token, str):
            return None
        with self._lock:
            room = self._rooms.get(code)
            return next((m.session for m in room.members.values() if m.token == token), None) if room else None
