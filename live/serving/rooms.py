"""Class rooms: a teacher opens a room (a short code, `?room=K7QF`); students who open its link join it.

A room maps its code to the sessions (browser tabs) of its members, each with an optional nickname
and an opaque token that the class board shows instead of the session id (a session id is the key
to a student's run: it never leaves the server). Runs stay in the SessionRegistry; a room only
says whose runs the board shows.

The teacher owns the room: opening one gives a teacher key (a secret, in the teacher's link
`?room=K7QF&teacher=<key>`, never shown to students), and the board, the class run's controls and
closing the room all need it. The code, which every student sees, only lets a student join.

Everything is bounded, since any client can invent codes and sessions:
- at most `max_rooms` rooms, `max_rooms_per_client` opened from one address (a school's teachers
  share one); a room can be closed by its teacher, and a room with no activity for `idle_close_s`
  is closed, lazily, by the next call. Activity is what a class does: a student joining or naming
  themselves, a member having a run, the teacher opening the board or working the class run. A
  board that only looks on does not keep an abandoned room open.
- at most `max_members` members a room, `max_members_per_client` from one address (a lecture hall
  behind one NAT shares an address, so this stays above a hall); a session is in one room at most; a
  member without a run whose page has not said it is there for `absent_drop_s` is dropped whenever
  the room is read (a page load alone holds no place for long).
- wrong codes and wrong teacher keys are counted per client (live/serving/guesses.py): over the budget, a
  client is refused before its code is looked at.
A room also holds its class experiment (live/serving/class_experiment.py: the teacher's live question, the
lesson step sent to the class, the variants assigned), written only through `work`, after the teacher's
key; a member only answers. Each member's page polls its room's experiment version with a channel token
of its own (`channel_version`), so an unchanged room costs a dictionary lookup.
The clock is injected so tests move time instead of sleeping.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from gan_core.errors import ClassroomError
from live.serving.class_experiment import Experiment, Question, Slot, StepSent, Tally
from live.serving.guesses import TOO_MANY, GuessBudget

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: a code read off a projector is typed right
CODE_LENGTH = 4  # new codes; 31**4 = 923,521 of them
_CODE = re.compile(f"[{ALPHABET}]{{4,6}}")  # what a link may carry (codes may grow to 6 characters)
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")  # a teacher key as a link carries it (token_urlsafe's alphabet)
KEY_BYTES = 16  # a teacher key: 128 random bits, 22 characters in a link
NICKNAME_MAX = 24  # characters
MAX_ROOMS = 20  # rooms a server
ROOMS_PER_CLIENT = 3  # rooms opened from one address (several teachers of a school share one)
MAX_MEMBERS = 200  # members a room: a lecture hall of 100+ fits
MEMBERS_PER_CLIENT = 150  # members of a room from one address: above a lecture hall behind one NAT
IDLE_CLOSE_S = 3600.0  # a room with no activity for an hour is closed
ABSENT_DROP_S = 120.0  # a member with no run whose page has not said it is there for 2 min is dropped
CLOSED_KEPT = 256  # codes of closed rooms remembered, so their members read "closed", not "no such room"


class RoomError(ClassroomError):
    """A room that cannot be opened, joined or worked, with the sentence the page shows."""


def normalize_code(text) -> str | None:
    """A room code from a link or a text box ('k7qf ' -> 'K7QF'), or None when it is not one."""
    if not isinstance(text, str):
        return None
    code = text.strip().upper()[:16]
    return code if _CODE.fullmatch(code) else None


def normalize_key(text) -> str | None:
    """A teacher key from a link or a text box, or None when it cannot be one (e.g. the old `teacher=1`)."""
    if not isinstance(text, str):
        return None
    key = text.strip()[:80]
    return key if _KEY.fullmatch(key) else None


def clean_nickname(text) -> str:
    """A nickname as shown: printable characters only, spaces collapsed, at most NICKNAME_MAX long
    ('' = anonymous). Escaping for HTML and Markdown is the view's job; this only bounds it."""
    if not isinstance(text, str):
        return ""
    kept = "".join(c if unicodedata.category(c)[0] not in "CZ" else " " for c in text[:200])
    return " ".join(kept.split())[:NICKNAME_MAX]


@dataclass(frozen=True)
class TeacherKey:
    """What opening a room gives its teacher (and only them)."""
    code: str  # the room's code: students join with it
    key: str  # the teacher key: the board, the class run and closing need it


@dataclass
class Member:
    session: str  # the tab's session id: never shown to anyone
    token: str  # what the board shows and a click sends back
    number: int  # 1, 2, 3 ... in the order of joining: "Run 3" for an anonymous student
    client: str = ""  # the address it joined from (for the per-address cap)
    nickname: str = ""
    present: float = 0.0  # when the member last had a run, joined, or its page said it is there
    # the token its page polls the room's channel with (ui/board/room_channel.py): 22 characters, 128 bits
    channel: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    seen_step: int = 0  # the serial of the last lesson step the teacher sent that its page applied
    seen_assignment: int = 0  # the same for the last assignment

    @property
    def name(self) -> str:
        return self.nickname or f"Run {self.number}"


@dataclass
class Room:
    code: str
    active: float  # last activity (see the module's docstring for what counts)
    owner: str = ""  # the address that opened it (for the per-address cap)
    # the teacher key: random, compared in constant time, never shown to a student
    key: str = field(default_factory=lambda: secrets.token_urlsafe(KEY_BYTES))
    members: dict[str, Member] = field(default_factory=dict)  # session -> member
    joined: int = 0  # members ever joined (numbers them)
    # the registry's key for the room's class run: random, so no client can send it as its session id
    class_session: str = field(default_factory=lambda: "class-" + secrets.token_hex(12))
    experiment: Experiment = field(default_factory=Experiment)  # the question, step and assignment


@dataclass(frozen=True)
class MemberNews:
    """What a member's page shows of its room's experiment, and what it has not applied yet."""
    code: str
    token: str  # the member's token (its answer is kept under it)
    question: Question | None
    answer: int | float | None  # the member's own answer to it
    tally: Tally | None  # the room's answers, once revealed
    step: StepSent | None  # the lesson step the teacher sent, when the page has not applied it yet
    slot: Slot | None  # the member's assignment, when the page has not applied it yet


@dataclass(frozen=True)
class ExperimentView:
    """The room's experiment as the board shows it (copies)."""
    question: Question | None
    tally: Tally
    step: StepSent | None
    variants: tuple[str, ...]
    slots: dict  # member token -> Slot


class RoomRegistry:
    def __init__(self, *, max_rooms: int = MAX_ROOMS, max_rooms_per_client: int = ROOMS_PER_CLIENT,
                 max_members: int = MAX_MEMBERS, max_members_per_client: int = MEMBERS_PER_CLIENT,
                 idle_close_s: float = IDLE_CLOSE_S, absent_drop_s: float = ABSENT_DROP_S,
                 has_run: Callable[[str], bool] = lambda session: False, guesses: GuessBudget | None = None,
                 clock: Callable[[], float] = time.monotonic, new_code: Callable[[], str] | None = None):
        if min(max_rooms, max_rooms_per_client, max_members, max_members_per_client) < 1 \
                or idle_close_s <= 0 or absent_drop_s <= 0:
            raise ValueError("rooms need every limit >= 1 and positive time limits")
        self.max_rooms, self.max_rooms_per_client = max_rooms, max_rooms_per_client
        self.max_members, self.max_members_per_client = max_members, max_members_per_client
        self.idle_close_s, self.absent_drop_s = idle_close_s, absent_drop_s
        self.has_run = has_run  # session -> does it have a run now (SessionRegistry.peek: no IPC, no waiting)
        self.guesses = guesses or GuessBudget(clock=clock)
        self._clock = clock
        self._new_code = new_code or (lambda: "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)))
        self._lock = threading.Lock()
        self._rooms: dict[str, Room] = {}
        self._room_of: dict[str, str] = {}  # session -> code
        self._channel_of: dict[str, str] = {}  # a member's channel token -> its session
        self._closed: dict[str, str] = {}  # code of a closed room -> the sentence its members read

    # -- rooms ---------------------------------------------------------------------------------
    def open(self, client: str) -> TeacherKey:
        """A new room: its code and teacher key. RoomError when the server, or this address, has as
        many rooms as it may."""
        with self._lock:
            now = self._close_idle_locked()
            if len(self._rooms) >= self.max_rooms:
                raise RoomError(f"this server already has {self.max_rooms} open rooms (the limit). A room closes "
                                "when its teacher closes it, or after an hour without activity; try again later, "
                                "or reopen your room with its teacher link.")
            if sum(r.owner == client for r in self._rooms.values()) >= self.max_rooms_per_client:
                raise RoomError(f"{self.max_rooms_per_client} rooms are already open from this address (the limit "
                                "per address). Close one you no longer need (Close room, on its board), or reopen "
                                "yours with its teacher link.")
            for _ in range(100):
                code = self._new_code()
                if code not in self._rooms and _CODE.fullmatch(code):
                    room = self._rooms[code] = Room(code, now, owner=client)
                    self._closed.pop(code, None)
                    return TeacherKey(code, room.key)
            raise RoomError("could not find a free room code; try again.")

    def teacher(self, code: str | None, key, client: str, *, act: bool = True) -> str:
        """The code of the room whose teacher key this is (with code None, whichever room has it).
        act: the teacher did something (opened the board, worked the class run), which keeps the room
        open; a board's poll only looks. RoomError, with the sentence to show, for a wrong key (which
        counts as a wrong guess) or a closed room."""
        key = normalize_key(key)
        with self._lock:
            now = self._close_idle_locked()
            rooms = [self._rooms[code]] if code in self._rooms else [] if code else list(self._rooms.values())
            # (every room compared, in constant time each: how long this takes says nothing of the key)
            found = [r for r in rooms if key is not None and hmac.compare_digest(r.key.encode(), key.encode())]
            if found:
                if act:
                    found[0].active = now
                return found[0].code
            if code in self._closed:
                raise RoomError(self._closed[code])
            if not self.guesses.allowed(client):
                raise RoomError(TOO_MANY)
            self.guesses.wrong(client)
            if code:
                raise RoomError(f"this is not room {code}'s teacher link (or the room has closed): its board needs "
                                "the teacher link that New room showed. Students join with the code alone.")
            raise RoomError("no open room has this teacher key: paste the whole teacher link that New room showed.")

    def close(self, code: str, key, client: str) -> str:
        """Close the room (its teacher key needed): its members' pages then say so. Returns the session of
        its class run, for the caller to end."""
        self.teacher(code, key, client)
        with self._lock:
            room = self._rooms.get(code)
            if room is None:  # (closed meanwhile by another of the teacher's screens)
                raise RoomError(self._closed.get(code, f"room {code} has closed."))
            self._close_locked(code, f"room {code} has closed (its teacher closed it). Your run goes on in "
                                     "the Train tab; it no longer shows on a board.")
            return room.class_session

    def exists(self, code: str) -> bool:
        """Is the room open? (For the server's own use: not rate-limited, so never with a client's code.)"""
        with self._lock:
            self._close_idle_locked()
            return code in self._rooms

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
        for room in [r for r in self._rooms.values() if now - r.active > self.idle_close_s]:
            self._prune_locked(room, now)  # (a member with a run is activity, seen or not)
            if now - room.active > self.idle_close_s:
                self._close_locked(room.code, f"room {room.code} has closed (an hour without activity). Your run "
                                              "goes on in the Train tab; it no longer shows on a board.")
        return now

    def _close_locked(self, code: str, why: str) -> None:
        for session, member in self._rooms.pop(code).members.items():
            self._room_of.pop(session, None)
            self._channel_of.pop(member.channel, None)
        self._closed[code] = why
        while len(self._closed) > CLOSED_KEPT:
            del self._closed[next(iter(self._closed))]

    def _prune_locked(self, room: Room, now: float) -> None:
        """Members with a run are present (and the room active); those without one, unseen for
        absent_drop_s, are dropped: their tab closed, or the join was only a page load."""
        for m in list(room.members.values()):
            if self.has_run(m.session):
                m.present = room.active = now
            elif now - m.present > self.absent_drop_s:
                self._leave_locked(m.session)

    def __len__(self) -> int:
        with self._lock:
            return len(self._rooms)

    # -- members -------------------------------------------------------------------------------
    def join(self, code: str, session: str, client: str) -> Member:
        """Put the session in the room (leaving any other room). RoomError if the client has guessed
        too many wrong codes, or the room does not exist, has closed or is full."""
        with self._lock:
            now = self._close_idle_locked()
            if not self.guesses.allowed(client):  # (before the code is looked at: a refusal says nothing of it)
                raise RoomError(TOO_MANY)
            room = self._rooms.get(code)
            if room is None:
                if code in self._closed:  # (not a guess: the room was real)
                    raise RoomError(self._closed[code])
                self.guesses.wrong(client)
                raise RoomError(f"there is no open room {code}: check the code with your teacher "
                                "(a room closes after an hour without activity).")
            self._prune_locked(room, now)
            if session in room.members:
                member = room.members[session]
            else:
                if len(room.members) >= self.max_members:
                    raise RoomError(f"room {code} is full ({self.max_members} members).")
                if sum(m.client == client for m in room.members.values()) >= self.max_members_per_client:
                    raise RoomError(f"room {code} is full for this address ({self.max_members_per_client} members "
                                    "from one address).")
                self._leave_locked(session)
                room.joined += 1
                member = room.members[session] = Member(session, secrets.token_hex(8), room.joined, client)
                self._room_of[session] = code
                self._channel_of[member.channel] = session
                room.experiment.slot_for(member.token)  # (a late joiner: the next slot of the assignment)
            member.present = room.active = now
            return Member(**vars(member))

    def here(self, session: str) -> str | None:
        """The session's page says it is still there (its banner's heartbeat): its room's code, or None
        when it is in none (dropped while away, or the room closed). Not activity: an open page alone
        does not keep a room open."""
        with self._lock:
            self._close_idle_locked()
            code = self._room_of.get(session)
            if code is not None:
                self._rooms[code].members[session].present = self._clock()
            return code

    def leave(self, session: str) -> None:
        with self._lock:
            self._leave_locked(session)

    def move(self, old: str, new: str) -> None:
        """The member `old` is now the page `new` (its browser reloaded: live.serving.sessions.claim), with its
        number, nickname and board tile; a place `new` took meanwhile (its page joined first) is dropped."""
        with self._lock:
            code = self._room_of.get(old)
            if code not in self._rooms:
                return
            self._leave_locked(new)
            room = self._rooms[code]
            member = room.members.pop(old)
            del self._room_of[old]
            member.session, member.present = new, self._clock()
            room.members[new], self._room_of[new] = member, code
            self._channel_of[member.channel] = new

    def _leave_locked(self, session: str) -> None:
        code = self._room_of.pop(session, None)
        if code in self._rooms:
            member = self._rooms[code].members.pop(session, None)
            if member is not None:
                self._channel_of.pop(member.channel, None)

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
            member = self._rooms[code].members[session]
            member.nickname = name
            member.present = self._rooms[code].active = now
            return name

    def members(self, code: str) -> list[Member]:
        """Copies of the room's members in joining order, after dropping those long absent."""
        with self._lock:
            now = self._close_idle_locked()
            room = self._rooms.get(code)
            if room is None:
                return []
            self._prune_locked(room, now)
            return [Member(**vars(m)) for m in sorted(room.members.values(), key=lambda m: m.number)]

    def session_for(self, code: str, token) -> str | None:
        """The session behind a token the board sent back (None: not a member of this room)."""
        if not isinstance(token, str):
            return None
        with self._lock:
            room = self._rooms.get(code)
            return next((m.session for m in room.members.values() if m.token == token), None) if room else None

    # -- the class experiment (live/serving/class_experiment.py) ---------------------------------------
    def work(self, code: str, key, client: str, action: Callable[[Experiment, list[str]], object]):
        """The teacher works the room's experiment: `action(experiment, member tokens in joining order)`,
        under the lock, once the teacher key is checked (RoomError otherwise); returns what it returns.
        An ExperimentError from it (a value refused) passes through with its sentence."""
        self.teacher(code, key, client)
        with self._lock:
            room = self._rooms.get(code)
            if room is None:  # (closed meanwhile by another of the teacher's screens)
                raise RoomError(self._closed.get(code, f"room {code} has closed."))
            return action(room.experiment, [m.token for m in sorted(room.members.values(), key=lambda m: m.number)])

    def answer(self, session: str, value) -> int | float:
        """The member's answer to the open question (replacing its last one), as stored; RoomError when the
        session is in no room, ExperimentError when the answer does not fit the question."""
        with self._lock:
            code = self._room_of.get(session)
            if code is None:
                raise RoomError("this tab is not in a room (it may have closed after an hour without activity).")
            room = self._rooms[code]
            return room.experiment.answer(room.members[session].token, value)

    def channel_version(self, channel: str) -> int | None:
        """The experiment version of the room whose member polls with this channel token (None: no member
        has it, or its room closed). The poll says the page is there, as the heartbeat does. A dictionary
        lookup or two: every page in a room asks every few seconds."""
        with self._lock:
            session = self._channel_of.get(channel)
            room = self._rooms.get(self._room_of.get(session, ""))
            if room is None:
                return None
            room.members[session].present = self._clock()
            return room.experiment.version

    def news(self, session: str, applied: bool = True) -> MemberNews | None:
        """What the member's page shows of the experiment; the step and the assignment only when the page
        has not applied them yet (applied: they count as applied from now). None when the session is in no room."""
        with self._lock:
            code = self._room_of.get(session)
            if code is None:
                return None
            room, member = self._rooms[code], self._rooms[code].members[session]
            ex = room.experiment
            step = ex.step if ex.step is not None and ex.step.serial > member.seen_step else None
            slot = ex.slot_for(member.token)
            slot = slot if slot is not None and slot.serial > member.seen_assignment else None
            if applied:
                member.seen_step = ex.step.serial if ex.step is not None else 0
                member.seen_assignment = ex.assignment
            revealed = ex.question is not None and ex.question.revealed
            tally = ex.tally({m.token for m in room.members.values()}) if revealed else None
            return MemberNews(code, member.token, ex.question, ex.answers.get(member.token), tally, step, slot)

    def experiment(self, code: str) -> ExperimentView | None:
        """The room's experiment for its board (the caller checked the teacher's key); None: no such room.
        Answers count from the room's members now (one who left takes their answer away)."""
        with self._lock:
            room = self._rooms.get(code)
            if room is None:
                return None
            ex = room.experiment
            return ExperimentView(ex.question, ex.tally({m.token for m in room.members.values()}), ex.step,
                                  ex.variants, dict(ex.slots))
