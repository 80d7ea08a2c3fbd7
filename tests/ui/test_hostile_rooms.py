"""Hostile students against the class rooms, as issue #23 found them: raw API calls with any session id,
any value, many sessions from one address. The app is the real one (conftest's `capped_app`), its
room registry swapped for one on a fake clock with small bounds, so an hour passes in a line and
nothing sleeps. Clients are told apart as on a Space: SPACE_ID set, the address in X-Forwarded-For.

Finding 3: the code does not control the teacher's room. 4: one address cannot take every room, a
room closes, a board's poll alone does not keep it open. 7: nicknames are plain text. 10: page loads
without runs hold no place for long. 13: code guesses are rate-limited per client.
"""

from __future__ import annotations

import html
import json
import re
import time

import pytest
from markdown_it import MarkdownIt

from live.serving.guesses import GuessBudget
from live.serving.rooms import ALPHABET, RoomRegistry
from ui.board.links import pasted_key

from conftest import raw_event, status_of

TEACHER, STUDENTS, ATTACKER = "10.0.0.1", "10.0.0.2", "10.6.6.6"  # three addresses (a student may share one)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def on_a_space(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "tests/hostile-rooms")  # client_id: the last X-Forwarded-For hop


@pytest.fixture
def rooms(capped_app, monkeypatch):
    """make(**bounds) -> (the app's new RoomRegistry on a fake clock, the clock); the old one back after.
    The events' rate limits (ui/request_limits.py) read the same clock: an hour of polls is an hour."""
    from ui import request_limits

    demo = capped_app[0]
    old = demo.ctx.rooms

    def make(**bounds):
        clock = FakeClock()
        start = clock.now
        monkeypatch.setattr(request_limits, "clock", lambda: time.monotonic() + clock.now - start)
        demo.ctx.rooms = RoomRegistry(clock=clock, guesses=GuessBudget(clock=clock),
                                      has_run=lambda s: demo.ctx.registry.peek(s) is not None, **bounds)
        return demo.ctx.rooms, clock

    yield make
    demo.ctx.rooms = old


def call(url: str, api_name: str, data: list, session: str, client: str, query: dict | None = None,
         event_data=None) -> list:
    """One event as a hand-written client sends it, from address `client`, with the page's `query`
    (what a page load reads: the browser sends its page's query with the event). Its output data."""
    msg = raw_event(url, data, session, api_name=api_name, query=query, headers={"x-forwarded-for": client},
                    event_data=event_data)
    assert msg.get("success"), msg  # a crash would be a bare error, not a sentence
    return msg["output"]["data"]


def texts(out: list) -> str:
    return " ".join(o for o in out if isinstance(o, str))


def no_leak(out: list) -> None:
    """A refusal is a sentence, never a traceback or a server path."""
    text = json.dumps(out)
    assert "Traceback" not in text and "/work/" not in text and "/tmp/" not in text, text[:500]


def new_room(url: str, client: str = TEACHER, session: str = "teacher") -> tuple[str, str, list]:
    """New room from the board: (code, teacher key, the outputs)."""
    out = call(url, "board_new_room", [], session, client)
    link = next((o for o in out if isinstance(o, str) and "&teacher=" in o), None)
    assert link is not None, out
    code, key = pasted_key(link)
    return code, key, out


def join(url: str, code: str, session: str, client: str = STUDENTS) -> str:
    """A student's page load with the room's link: the banner's text."""
    return call(url, "room_join", [], session, client, query={"room": code})[1]


def other_codes(code: str, n: int) -> list[str]:
    return [c for c in ("".join(ALPHABET[(i * 7 + k) % len(ALPHABET)] for k in range(4)) for i in range(n + 1))
            if c != code][:n]


# -- finding 3: the code alone does not work the teacher's room -------------------------------------

def test_a_student_with_the_code_cannot_see_the_board_or_work_the_class_run(capped_app, rooms):
    demo, url = capped_app
    reg, clock = rooms()
    code, key, out = new_room(url)
    assert key and len(key) >= 22 and key not in out[2]  # (the projected line names the code, never the key)
    banner = join(url, code, "student-3")
    assert f"room **{code}**" in banner and key not in banner
    out = call(url, "class_run_start", [code, key, "ring8"], "teacher", TEACHER)
    assert "running" in out[0], out
    class_session = reg.class_session(code)
    run = demo.ctx.registry.peek(class_session)
    try:
        token = reg.members(code)[0].token
        # the attack of the issue: open the room by its code (or a made-up key), then work the class run.
        # (A page's room and key are server-side state, set only by New room, Open or the teacher link.)
        for text in [code, f"?room={code}&teacher=1", f"{code} {'A' * 22}", f"http://x/?room={code}&teacher={key}x"]:
            out = call(url, "board_open_room", [text], "student-3", STUDENTS)
            no_leak(out)
            assert "teacher link" in texts(out) and "board-summary" not in texts(out), out
            for api, data in [("class_run_pause", [code, text]), ("class_run_start", [code, text, "grid25"]),
                              ("board_close_room", [code, text])]:
                out = call(url, api, data, "student-3", STUDENTS)
                no_leak(out)
                assert "Open a room first" in texts(out) and "paused" not in texts(out), (api, text, out)
            out = call(url, "board_poll", [code, text, ""], "student-3", STUDENTS)
            assert "board-summary" not in texts(out), out
            out = call(url, "board_pick", [code, text], "student-3", STUDENTS, event_data={"run": token})
            assert token not in texts(out) and "step" not in texts(out), out
        # the old projector link is no backdoor: a sentence on the Class board tab, no board, no join
        for teacher in ["1", "", "A" * 22]:
            out = call(url, "board_load", [], f"student-load-{teacher[:2]}", STUDENTS,
                       query={"room": code, "teacher": teacher})
            assert "teacher link" in texts(out) and "board-summary" not in texts(out), out
            assert reg.room_of(f"student-load-{teacher[:2]}") is None
        # the teacher's run is untouched: the same run, the same preset, still running
        assert demo.ctx.registry.peek(class_session) is run and run.cfg.data.name == "ring8"
        assert run.last_status == "running"
        # ... and the teacher, with the link, still works it (from another screen too)
        out = call(url, "board_load", [], "teacher-screen-2", TEACHER, query={"room": code, "teacher": key})
        assert "board-summary" in texts(out) and f"Room **{code}**" in texts(out)
        out = call(url, "board_open_room", [f"http://x/?room={code}&teacher={key}"], "teacher-3", TEACHER)
        assert "board-summary" in texts(out)
        assert "paused" in call(url, "class_run_pause", [code, key], "teacher", TEACHER)[0]
        out = call(url, "board_close_room", [code, key], "teacher", TEACHER)
        assert "is closed" in texts(out) and demo.ctx.registry.peek(class_session) is None
    finally:
        demo.ctx.registry.close(class_session)
        demo.ctx.registry.close("student-3")


# -- finding 4: rooms per address, closing, and what keeps a room open -------------------------------

def test_one_address_cannot_take_every_room(capped_app, rooms):
    url = capped_app[1]
    reg, clock = rooms(max_rooms=6)
    made, refusals = [], []
    for i in range(18):
        out = call(url, "board_new_room", [], f"attacker-{i}", ATTACKER)
        no_leak(out)
        if any(isinstance(o, str) and "&teacher=" in o for o in out):
            made.append(pasted_key(next(o for o in out if isinstance(o, str) and "&teacher=" in o)))
        else:
            refusals.append(texts(out))
    assert len(made) == 3 and len(refusals) == 15
    assert all("3 rooms are already open from this address" in r for r in refusals)
    for school in ("10.0.1.1", "10.0.2.1"):  # other teachers still open rooms
        new_room(url, client=school, session=f"teacher-{school}")
    code, key = made[0]
    assert "is closed" in texts(call(url, "board_close_room", [code, key], "attacker-0", ATTACKER))
    new_room(url, client=ATTACKER, session="attacker-again")  # a closed room's place is free again
    assert len(reg) == 5


def test_a_board_that_only_polls_does_not_keep_an_abandoned_room_open(capped_app, rooms):
    url = capped_app[1]
    reg, clock = rooms()
    code, key, _ = new_room(url, session="teacher-4")
    assert join(url, code, "student-4").startswith("You are in room")
    for _ in range(60):  # an hour of a board left on, polling, and a student's page left open
        clock.now += 60
        assert "board-summary" in texts(call(url, "board_poll", [code, key, ""], "teacher-4", TEACHER))
        call(url, "room_heartbeat", [code], "student-4", STUDENTS)
    clock.now += 1
    out = call(url, "board_poll", [code, key, ""], "teacher-4", TEACHER)
    assert "has closed (an hour without activity)" in texts(out), out
    out = call(url, "room_heartbeat", [code], "student-4", STUDENTS)
    assert "has closed" in texts(out), out  # the student's page says so too


# -- finding 7: a nickname is plain text wherever it is shown ---------------------------------------

NICKNAMES = ["![](//host/x)", "[a](javascript:alert(1))", "<img src=//host/y>", "**bold**", "http://host/z"]


def rendered(markdown: str) -> str:
    """The HTML a Markdown renderer makes of a page's text (CommonMark, HTML allowed, as gr.Markdown)."""
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def visible(page: str) -> str:
    """What a reader sees of some HTML: its text, tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def assert_plain(page: str, name: str) -> None:
    """The nickname is shown as typed, and made no tag, link, picture or formatting."""
    assert name in visible(page), (name, page)
    for tag in re.findall(r"<[^>]*>", page):
        ours = re.search(r'src="/?gradio_api/file=', tag)  # (a tile's own thumbnail, a file this server wrote)
        assert not re.match(r"</?(img|a|script|em|code)\b", tag) or ours, (tag, page)
        head = re.split(r" (?:alt|aria-label)=", tag)[0]  # (the label is the caption's escaped text)
        assert "host" not in head and "javascript" not in head, (tag, page)


def test_nicknames_are_plain_text_on_the_banner_the_board_and_the_projector(capped_app, rooms, post_event,
                                                                           train_inputs, wait_for):
    demo, url = capped_app
    reg, clock = rooms()
    code, key, _ = new_room(url, session="teacher-7")
    call(url, "board_load", [], "projector-7", TEACHER, query={"room": code, "teacher": key})  # (a second screen)
    join(url, code, "student-7")
    assert "running" in status_of(post_event(url, "start", train_inputs(), "student-7"))
    try:
        assert wait_for(lambda: demo.ctx.registry.get("student-7").snapshot().step > 0, timeout_s=60)
        token = reg.members(code)[0].token
        for name in NICKNAMES:
            banner = call(url, "room_nickname", [name], "student-7", STUDENTS)[0]
            board = next(o for o in call(url, "board_poll", [code, key, ""], "teacher-7", TEACHER)
                         if isinstance(o, str) and "board-summary" in o)
            line = call(url, "board_pick", [code, key], "projector-7", TEACHER, event_data={"run": token})[4]
            for page in (rendered(banner), board, rendered(line)):
                assert_plain(page, name)
            assert rendered(banner).count("<strong>") == 2  # (the room and the name, bold; nothing else)
    finally:
        demo.ctx.registry.close("student-7")


# -- finding 10: a page load holds a member's place for a short time only ---------------------------

def test_page_loads_without_runs_do_not_fill_a_room(capped_app, rooms):
    url = capped_app[1]
    reg, clock = rooms(max_members=10, max_members_per_client=8)
    code, key, _ = new_room(url, session="teacher-10")
    answers = [join(url, code, f"load-{i}", client=ATTACKER) for i in range(12)]
    assert sum(a.startswith("You are in room") for a in answers) == 8
    assert all("full for this address" in a for a in answers[8:])
    assert join(url, code, "real-0").startswith("You are in room")  # another address still gets in
    for _ in range(5):  # the real student's page beats while the teacher talks (2.5 min)
        clock.now += 30
        assert "⚠️" not in texts(call(url, "room_heartbeat", [code], "real-0", STUDENTS))
    # the bare page loads never beat: dropped at the next read of the room, by whoever reads it
    for i in range(1, 10):  # (from two addresses: 8 a room from one, in this small room)
        assert join(url, code, f"real-{i}", client=f"10.0.3.{i % 2}").startswith("You are in room"), i
    sessions = [m.session for m in reg.members(code)]
    assert sessions == [f"real-{i}" for i in range(10)]
    out = call(url, "board_poll", [code, key, ""], "teacher-10", TEACHER)
    assert "10 have not started" in texts(out)


# -- finding 13: room codes cannot be brute-forced ---------------------------------------------------

def test_wrong_room_codes_are_rate_limited_per_address(capped_app, rooms):
    url = capped_app[1]
    reg, clock = rooms()
    code, key, _ = new_room(url, session="teacher-13")
    answers = [join(url, guess, "guesser", client=ATTACKER).lower() for guess in other_codes(code, 25)]
    for a in answers:
        no_leak([a])
    assert all("no open room" in a for a in answers[:20])
    assert all("too many wrong room codes" in a for a in answers[20:])
    # over the budget even the right code says nothing: it is not looked at
    assert "too many wrong room codes" in join(url, code, "guesser", client=ATTACKER).lower()
    assert reg.room_of("guesser") is None
    assert join(url, code, "student-13").startswith("You are in room")  # another address is not affected
    for text in [f"?room={code}&teacher={'B' * 22}", "C" * 22]:  # wrong teacher keys count too
        out = call(url, "board_open_room", [text], "guesser", ATTACKER)
        assert "too many wrong room codes" in texts(out).lower() and "board-summary" not in texts(out)
    clock.now += 60  # a minute later the address may guess again (20 a minute at most)
    assert "no open room" in join(url, other_codes(code, 1)[0], "guesser", client=ATTACKER)
    assert join(url, code, "guesser", client=ATTACKER).startswith("You are in room")
    # the teacher behind the guessing address is never locked out of their own board
    out = call(url, "board_poll", [code, key, ""], "teacher-13", ATTACKER)
    assert "board-summary" in texts(out)


def test_junk_in_the_boards_box_gets_a_sentence(capped_app, rooms):
    url = capped_app[1]
    rooms()
    for text in ["", "K7QF" * 1000, "http://[x/?room=K7QF&teacher=" + "A" * 22, "room=&teacher=", "../../etc/passwd",
                 "?room=K7QF&teacher=" + "%00" * 30]:
        out = call(url, "board_open_room", [text], "junk", ATTACKER)
        no_leak(out)
        assert "⚠️" in texts(out), (text[:40], out)
