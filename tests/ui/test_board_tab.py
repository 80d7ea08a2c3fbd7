"""The class board through the real app's API: a room, three students' runs, the board's poll, the
class run, and what a client may not do (bad codes, tokens from another room)."""

from __future__ import annotations

import csv
import json
import re
import urllib.request

from gan_core.presets import get_preset
from ui.board.links import pasted_key, room_link, teacher_link

from conftest import status_of


class Headers:
    def __init__(self, **headers):
        self.headers = {k.replace("_", "-"): v for k, v in headers.items()}


def test_the_students_link():
    assert room_link(Headers(host="127.0.0.1:7860"), "K7QF") == "http://127.0.0.1:7860/?room=K7QF"
    assert room_link(Headers(host="x.hf.space", x_forwarded_proto="https"), "K7QF") == "https://x.hf.space/?room=K7QF"
    assert room_link(Headers(host="<script>"), "K7QF") == "?room=K7QF"
    assert room_link(None, "K7QF") == "?room=K7QF"
    link = teacher_link(Headers(host="x.hf.space", x_forwarded_proto="https"), "K7QF", "k" * 22)
    assert link == "https://x.hf.space/?room=K7QF&teacher=" + "k" * 22


def test_what_a_teacher_pastes_into_the_boards_box():
    key = "fPdSu60NCNwAvEVS2IZKxw"
    for text in [f"https://x.hf.space/?room=K7QF&teacher={key}", f" ?teacher={key}&room=k7qf ", f"K7QF {key}",
                 f"room=K7QF&teacher={key}"]:
        assert pasted_key(text) == ("K7QF", key), text
    assert pasted_key(key) == (None, key)  # the key alone: the server finds its room
    assert pasted_key("K7QF") == ("K7QF", None)  # the code alone: a student's, not enough for the board
    assert pasted_key("?room=K7QF&teacher=1") == ("K7QF", None)  # the old projector link: no key
    for junk in [None, 5, "", "http://[x/?room=K7QF&teacher=" + key, "=" * 10_000, "K7QF" * 1000]:
        assert pasted_key(junk)[1] is None


def html_of(outputs) -> str:
    return next((o for o in outputs if isinstance(o, str) and "board-summary" in o), "")


def test_a_room_of_three_on_the_board_and_the_class_run(capped_app, post_event, train_inputs, wait_for):
    demo, url = capped_app
    ctx = demo.ctx
    out = post_event(url, "board_new_room", [], "teacher-1")
    shown = re.search(r"Room \*\*(\w+)\*\*", " ".join(o for o in out if isinstance(o, str))).group(1)
    code, key = pasted_key(next(o for o in out if isinstance(o, str) and "&teacher=" in o))  # (the teacher link)
    assert code == shown and key not in shown
    students = [f"student-{i}" for i in range(3)]
    for s in students:
        ctx.rooms.join(code, s, "127.0.0.1")  # (what the page's load does for ?room=CODE)
        out = post_event(url, "start", train_inputs(), s)
        assert "running" in status_of(out)
    ctx.rooms.set_nickname(students[0], "Ana")

    def board():
        for s in students:  # the students' own polls keep their runs' last snapshots fresh
            ctx.registry.get(s).snapshot()
        return html_of(post_event(url, "board_poll", [code, key, ""], "teacher-1"))

    page = wait_for(lambda: (lambda h: h if h.count("<canvas ") == 3 and "step 0 " not in h else "")(board()),
                    timeout_s=60)
    assert page.count("<canvas ") == 3 and "of 3 runs" in page and "Ana · step" in page
    for s in students:  # the board names no session: only tokens
        assert s not in page

    # the room's results to take home: one row a run, the teacher's key needed
    out = post_event(url, "board_export", [code, key], "teacher-1")
    path = out[0]["value"]["path"] if isinstance(out[0].get("value"), dict) else out[0]["path"]
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert [r["name"] for r in rows] == ["Ana", "Run 2", "Run 3"] and {r["preset"] for r in rows} == {"ring8"}
    assert all(int(r["steps"]) > 0 and r["status"] == "running" and r["pile"] for r in rows)
    assert sorted(r["seed"] for r in rows) == [str(get_preset("ring8").train.seed)] * 3
    for s in students:
        assert s not in open(path, encoding="utf-8").read()  # (no session ids in it either)
    for wrong in ["not-the-key", "", "k" * 22]:  # a student who knows the code: no file
        out = post_event(url, "board_export", [code, wrong], "student-0")
        assert "room-" not in str(out), out

    # the class run: started from the board, watched through one shared snapshot
    out = post_event(url, "class_run_start", [code, key, "ring8"], "teacher-1")
    assert "running" in out[0], out
    class_session = ctx.rooms.class_session(code)
    run = ctx.registry.peek(class_session)
    fetches = ctx.watched.fetches
    tokens = [post_event(url, "class_run_watch", [True], s)[2]["token"] for s in students]
    assert len(set(tokens)) == 3  # a read-only token per watching page
    shown = [json.loads(urllib.request.urlopen(f"{url}live/{t}?v=none", timeout=30).read()) for t in tokens]
    assert all("Class run" in o["status_html"] and o["status"] == "running" for o in shown)
    assert ctx.watched.fetches - fetches <= 3  # (one per MAX_AGE_S at most, whoever asks)
    # (its first field comes within a second of training: then every watcher gets it)
    assert wait_for(lambda: all((json.loads(urllib.request.urlopen(f"{url}live/{t}?v=none", timeout=30).read())
                                 .get("picture") or {}).get("kind") == "field" for t in tokens), every_s=0.5)
    assert run.last_status == "running"
    out = post_event(url, "class_run_pause", [code, key], "teacher-1")
    assert "paused" in out[0]
    for s in students:
        ctx.registry.close(s)
    out = post_event(url, "board_close_room", [code, key], "teacher-1")  # (the class run ends with its room)
    assert any(isinstance(o, str) and "is closed" in o for o in out) and ctx.registry.peek(class_session) is None
    assert ctx.rooms.room_of(students[0]) is None


def test_bad_room_codes_and_strangers(capped_app, post_event):
    demo, url = capped_app
    for text in ["../../etc", "K7QF" * 1000, "", "0000"]:
        out = post_event(url, "board_open_room", [text], "teacher-2")
        assert any(isinstance(o, str) and "⚠️" in o for o in out), out
    out = post_event(url, "board_poll", ["ZZZZ", "", "nope"], "teacher-2")  # (a room this page never opened)
    assert "Traceback" not in str(out)
    out = post_event(url, "class_run_start", ["", "", "ring8"], "teacher-2")
    assert "Open a room first" in out[0]
