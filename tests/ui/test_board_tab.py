"""The class board through the real app's API: a room, three students' runs, the board's poll, the
class run, and what a client may not do (bad codes, tokens from another room)."""

from __future__ import annotations

import re

from ui.board.tab import room_link


class Headers:
    def __init__(self, **headers):
        self.headers = {k.replace("_", "-"): v for k, v in headers.items()}


def test_the_students_link():
    assert room_link(Headers(host="127.0.0.1:7860"), "K7QF") == "http://127.0.0.1:7860/?room=K7QF"
    assert room_link(Headers(host="x.hf.space", x_forwarded_proto="https"), "K7QF") == "https://x.hf.space/?room=K7QF"
    assert room_link(Headers(host="<script>"), "K7QF") == "?room=K7QF"
    assert room_link(None, "K7QF") == "?room=K7QF"


def html_of(outputs) -> str:
    return next((o for o in outputs if isinstance(o, str) and "board-summary" in o), "")


def test_a_room_of_three_on_the_board_and_the_class_run(capped_app, post_event, train_inputs, wait_for):
    demo, url = capped_app
    ctx = demo.ctx
    out = post_event(url, "board_new_room", [], "teacher-1")
    code = re.search(r"Room \*\*(\w+)\*\*", " ".join(o for o in out if isinstance(o, str))).group(1)
    students = [f"student-{i}" for i in range(3)]
    for s in students:
        ctx.rooms.join(code, s)  # (what the page's load does for ?room=CODE)
        out = post_event(url, "start", train_inputs(), s)
        assert "running" in out[0]
    ctx.rooms.set_nickname(students[0], "Ana")

    def board():
        for s in students:  # the students' own polls keep their runs' last snapshots fresh
            ctx.registry.get(s).snapshot()
        return html_of(post_event(url, "board_poll", [code, ""], "teacher-1"))

    page = wait_for(lambda: (lambda h: h if h.count("<img ") == 3 and "step 0 " not in h else "")(board()),
                    timeout_s=60)
    assert page.count("<img ") == 3 and "of 3 runs" in page and "Ana · step" in page
    for s in students:  # the board names no session: only tokens
        assert s not in page

    # the class run: started from the board, watched through one shared snapshot
    out = post_event(url, "class_run_start", [code, "ring8"], "teacher-1")
    assert "running" in out[0], out
    class_session = ctx.rooms.class_session(code)
    run = ctx.registry.peek(class_session)
    fetches = ctx.watched.fetches
    shown = [post_event(url, "class_run_poll", [None], s) for s in students]
    assert all("Class run" in o[0] for o in shown)
    assert ctx.watched.fetches - fetches <= 3  # (one per MAX_AGE_S at most, whoever asks)
    assert run.last_status == "running"
    out = post_event(url, "class_run_pause", [code], "teacher-1")
    assert "paused" in out[0]
    ctx.registry.close(class_session)
    for s in students:
        ctx.registry.close(s)
        ctx.rooms.leave(s)


def test_bad_room_codes_and_strangers(capped_app, post_event):
    demo, url = capped_app
    for text in ["../../etc", "K7QF" * 1000, "", "0000"]:
        out = post_event(url, "board_open_room", [text], "teacher-2")
        assert any(isinstance(o, str) and "⚠️" in o for o in out), out
    out = post_event(url, "board_poll", ["ZZZZ", "nope"], "teacher-2")  # (a room this page never opened)
    assert "Traceback" not in str(out)
    out = post_event(url, "class_run_start", ["", "ring8"], "teacher-2")
    assert "Open a room first" in out[0]
