"""The board's class experiment: the committed table's lookup, the panel's counts by variant, the room
channel's answers, and the whole loop through the real app's API (a teacher, three students): a question
answered and counted, a step and an assignment delivered to each page by its sync, and what a student
(or a stranger) may not do."""

from __future__ import annotations

import csv
import json

import pytest

from gan_core.presets import preset_names
from live.serving.class_experiment import Experiment, Question, Slot, Tally
from live.serving.rooms import RoomRegistry
from live.snapshot import Snapshot
from ui.board import committed, room_channel
from ui.board.experiment import question_of
from ui.board.experiment_layout import default_variants
from ui.board.experiment_view import Assigned, experiment_html, headline, pile_of, variant_rows
from ui.board.follow import tally_text
from ui.board.links import pasted_key
from ui.lessons.catalogue import LESSONS


def ring(step: int, covered: int) -> Snapshot:
    return Snapshot(step=step, status="running", dataset="ring8",
                    metrics=[{"step": step, "modes_covered": covered, "n_modes": 8, "high_quality_fraction": 0.7}])


# -- the committed table -------------------------------------------------------------------------------

def test_the_committed_table_reads_the_collapse_lessons_five_seeds():
    known = committed.committed("ring8-collapse+ttur")
    assert (known.healthy, known.seeds, known.steps) == (5, 5, 6000)
    assert known.text == "healthy in 5 of 5 seeds (6,000 steps; docs/MODE_COLLAPSE.md)"
    assert committed.committed("ring8-collapse").healthy == 0
    assert committed.committed("ring8") is None  # (measured in that file under other names: not the preset)


def test_a_line_counts_for_a_preset_only_when_it_trained_that_preset_from_step_zero(tmp_path):
    assert committed.preset_of({"data": "ring8-collapse", "config": "ring8-collapse (G 20x faster than D)"}) \
        == "ring8-collapse"
    assert committed.preset_of({"data": "ring8-collapse", "config": "+ttur"}) == "ring8-collapse+ttur"
    assert committed.preset_of({"preset": "ring8-collapse+mbstd", "data": "ring8", "config": "x"}) \
        == "ring8-collapse+mbstd"  # (a line that names its preset: another helper's table may)
    assert committed.preset_of({"preset": ["ring8"], "data": "ring8", "config": "x"}) is None
    for record in [{"data": "ring8-collapse", "config": "+ttur, switched on live at step 1000"},
                   {"data": "ring8-collapse", "config": "+ttur", "live": True},
                   {"data": "ring8", "config": "vanilla GAN"}, {"data": "ring8-collapse", "config": "+nothing"}]:
        assert committed.preset_of(record) is None, record
    lines = [{"data": "ring8-collapse", "config": "+ttur", "steps": s, "modes_covered": m, "n_modes": 8,
              "high_quality_fraction": hq} for s, m, hq in [(100, 8, 0.9), (6000, 7, 0.6), (6000, 8, 0.59),
                                                              (6000, 6, 0.9)]]
    (tmp_path / "more.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    found = committed.read(committed.Source("more.jsonl", "here"), root=tmp_path)
    assert found["ring8-collapse+ttur"].healthy == 1 and found["ring8-collapse+ttur"].seeds == 3  # (the longest)
    assert committed.read(committed.Source("missing.jsonl", "x"), root=tmp_path) == {}


def test_the_phenomena_presets_quote_their_own_claims_from_the_committed_results():
    """docs/phenomena_results.jsonl: each phenomenon and cure counted by its claim's measure, as
    docs/PHENOMENA.md states it (>= 4 of 5 seeds each), and the board's sentence names the measure."""
    from gan_core.evaluation.phenomena import CLAIMS
    from gan_core.presets import PHENOMENA

    for phenomenon in PHENOMENA:
        cure = f"{phenomenon}+{PHENOMENA[phenomenon][2]}"
        shows, cured = committed.committed(phenomenon), committed.committed(cure)
        assert shows.seeds == cured.seeds == 5 and shows.healthy >= 4 and cured.healthy >= 4, phenomenon
        assert shows.text.startswith("shows it (") and cured.text.startswith("cured (")
        assert "docs/PHENOMENA.md" in shows.text
    claim = CLAIMS["saturation"]
    line = {"preset": "saturation", "steps": 10, claim.measure: 0.5}
    assert not committed.meets_its_claim(line)  # G still has a gradient: the phenomenon did not show
    assert committed.meets_its_claim({**line, claim.measure: 0.001})
    assert committed.meets_its_claim({**line, "preset": "saturation+nonsat", claim.measure: 5.0})
    assert not committed.meets_its_claim({**line, claim.measure: "0.001"})  # (a value that is not a number)
    assert not committed.meets_its_claim({**line, "preset": "ring8"})


# -- the panel -----------------------------------------------------------------------------------------

def test_a_run_counts_for_its_variant_only_when_made_from_its_assignment():
    slot = Slot(1, 0, "ring8-collapse", 0)
    assert pile_of(Assigned(slot, "ring8-collapse", 0, ring(900, 8))) == "covers all"
    assert pile_of(Assigned(slot, "ring8-collapse", 0, ring(900, 0))) == "collapsed"
    assert pile_of(Assigned(slot, "ring8", 0, ring(900, 8))) == "not started"  # another preset
    assert pile_of(Assigned(slot, "ring8-collapse", 5, ring(900, 8))) == "not started"  # another seed
    assert pile_of(Assigned(slot, None, None, None)) == "not started"


def test_the_runs_by_variant_beside_the_committed_result():
    plain, ttur = "ring8-collapse", "ring8-collapse+ttur"
    members = [Assigned(Slot(1, 0, plain, 0), plain, 0, ring(900, 0)),
               Assigned(Slot(1, 1, ttur, 1), ttur, 1, ring(900, 8)),
               Assigned(Slot(1, 2, plain, 2), plain, 2, ring(300, 1)),
               Assigned(Slot(1, 3, ttur, 3), None, None, None)]
    rows = variant_rows((plain, ttur), members)
    assert [(r.variant, r.runs, r.piles) for r in rows] == [
        (plain, 2, {"covers all": 0, "collapsed": 1, "learning": 1, "not started": 0}),
        (ttur, 2, {"covers all": 1, "collapsed": 0, "learning": 0, "not started": 1})]
    assert headline(rows[1]) == f"{ttur}: 1 of 2 runs cover every mode"
    assert "0 of 5 seeds" in rows[0].committed and "5 of 5 seeds" in rows[1].committed
    page = experiment_html(Question(1, "<b>Which?</b>", ("D", "<i>G</i>")), Tally(3, counts=(2, 1)), 4, rows)
    assert "&lt;b&gt;Which?" in page and "<b>Which?" not in page and "&lt;i&gt;G" in page  # (escaped)
    assert "3 of 4 answered" in page and page.count('class="xp-bar"') == 2


def test_the_default_variants_are_a_step_and_its_fix():
    assert default_variants("ring8-collapse") == ["ring8-collapse", "ring8-collapse+ttur"]
    assert default_variants("ring8-collapse+mbstd") == ["ring8-collapse", "ring8-collapse+mbstd"]
    assert default_variants("ring8") == [] and default_variants(None) == [] and default_variants("nope") == []
    for lesson in LESSONS.values():  # every default names real presets
        for step in lesson.steps:
            assert set(default_variants(step.preset)) <= set(preset_names())


def test_every_catalogue_question_with_choices_can_be_asked():
    for lesson in LESSONS.values():
        for step in lesson.steps:
            if step.choices or step.number:
                Experiment().ask(step.question, list(step.choices), *(step.number or (-1e6, 1e6)))


def test_the_panels_answers_box_is_read_one_a_line():
    text, choices, bounds = question_of("digits", 1, "Which digit first?", " \n3\n\n 7 \n")
    assert choices == ["3", "7"] and bounds == (0, 9)
    assert question_of("nope", 99, None, None) == ("", [], (-1e6, 1e6))
    assert tally_text(Question(1, "Q", ("a", "b")), Tally(3, counts=(2, 1))) == "A. a: **2** · B. b: **1**"
    assert "median **2**" in tally_text(Question(1, "Q", ()), Tally(3, numbers=(1.0, 2.0, 9.0)))


# -- the room channel ----------------------------------------------------------------------------------

def test_the_channel_answers_204_while_the_room_is_unchanged():
    rooms = RoomRegistry()
    made = rooms.open("teacher")
    member = rooms.join(made.code, "s0", "school")
    assert room_channel.answer(rooms, member.channel, "") == (200, b'{"v": 0}')
    assert room_channel.answer(rooms, member.channel, "0") == (204, b"")
    rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.send_step("collapse", 1))
    assert room_channel.answer(rooms, member.channel, "0") == (200, b'{"v": 1}')
    assert room_channel.answer(rooms, "A" * 22, "0")[0] == 410
    assert room_channel.ROUTE.search("/room/" + member.channel) and not room_channel.ROUTE.search("/room/../x")


def test_the_channel_route_answers_before_gradio_and_refuses_a_loop():
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    rooms = RoomRegistry()
    made = rooms.open("teacher")
    member = rooms.join(made.code, "s0", "school")
    passed = []

    async def app(scope, receive, send):  # (Gradio, behind the route)
        passed.append(scope["path"])

    route = room_channel.RoomRoute(app, rooms)
    route.per_token._clock = route.per_address._clock = lambda: 0.0  # (time stands still: no token comes back)

    def get(path: str, query: bytes = b"") -> list:
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "client": ("1.2.3.4", 5),
                 "headers": []}
        with ThreadPoolExecutor(1) as pool:  # (its own thread: a browser test's loop may be running in this one)
            pool.submit(asyncio.run, route(scope, None, send)).result()
        return sent

    assert get(f"/room/{member.channel}", b"v=0")[0]["status"] == 204
    assert get(f"/gradio_api/room/{member.channel}", b"v=")[1]["body"] == b'{"v": 0}'  # (under a path prefix)
    assert get("/room/short") == [] and get("/config") == [] and passed == ["/room/short", "/config"]
    statuses = [get(f"/room/{member.channel}", b"v=0")[0]["status"] for _ in range(10)]
    assert statuses == [204] * 4 + [429] * 6  # (6 at once, 2 used above; then 2 a second: a loop is refused)


# -- through the app -------------------------------------------------------------------------------------

def texts(out) -> str:
    return json.dumps(out, ensure_ascii=False)


@pytest.fixture
def room_of_three(capped_app, post_event):
    demo, url = capped_app
    out = post_event(url, "board_new_room", [], "xp-teacher")
    code, key = pasted_key(next(o for o in out if isinstance(o, str) and "&teacher=" in o))
    students = [f"xp-student-{i}" for i in range(3)]
    for s in students:
        demo.ctx.rooms.join(code, s, "127.0.0.1")  # (what the page's load does for ?room=CODE)
    yield demo, url, code, key, students
    post_event(url, "board_close_room", [code, key], "xp-teacher")


def test_a_question_a_step_and_an_assignment_through_the_app(room_of_three, post_event, train_inputs):
    demo, url, code, key, students = room_of_three
    out = post_event(url, "room_ask", [code, key, "collapse", 2, "Which player must be faster?", "D\nG"],
                     "xp-teacher")
    assert "0 of 3 answered" in texts(out)
    for s, choice in zip(students, [0, 0, 1]):
        out = post_event(url, "room_sync", [], s)  # (what the page sends when its channel says the room moved)
        assert "Which player must be faster" in texts(out) and "A. D" in texts(out)
        assert "Your answer: **" in texts(post_event(url, "room_answer", [choice, None], s))
    out = post_event(url, "room_answer", [7, None], students[2])  # out of range: refused, the last answer kept
    assert out[0] is None or "⚠️" in texts(out), out
    out = post_event(url, "board_poll", [code, key, ""], "xp-teacher")
    assert "3 of 3 answered" in texts(out) and demo.ctx.rooms.experiment(code).tally.counts == (2, 1)

    out = post_event(url, "room_send_step", [code, key, "collapse", 2], "xp-teacher")
    assert "Sent" in texts(out)
    out = post_event(url, "room_sync", [], students[1])
    assert "moved the class to" in texts(out) and "Fix 1: two time-scales" in texts(out)
    assert "ring8-collapse+ttur" in texts(out)
    assert "moved the class" not in texts(post_event(url, "room_sync", [], students[1]))  # (applied once)

    out = post_event(url, "room_assign", [code, key, ["ring8-collapse", "ring8-collapse+ttur"]], "xp-teacher")
    assert "Assigned 3" in texts(out)
    out = post_event(url, "room_sync", [], students[1])
    assert "assigned you **ring8-collapse+ttur** with seed **1**" in texts(out)
    assert "Run 2 · ring8-collapse+ttur" in texts(post_event(url, "board_poll", [code, key, ""], "xp-teacher"))
    # the page now sends Start with its assigned preset and seed: the board counts the run for its variant
    post_event(url, "start", ["ring8-collapse+ttur", *train_inputs(seed=1)[1:]], students[1])
    path = post_event(url, "board_export", [code, key], "xp-teacher")[0]
    path = path["value"]["path"] if isinstance(path.get("value"), dict) else path["path"]
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert [r["assigned"] for r in rows] == ["ring8-collapse", "ring8-collapse+ttur", "ring8-collapse"]
    assert rows[1]["preset"] == "ring8-collapse+ttur" and rows[1]["seed"] == "1"
    demo.ctx.registry.close(students[1])

    # a number answer: the digits lesson's "which digit first?" is one from 0 to 9
    out = post_event(url, "room_ask", [code, key, "digits", 1, "Which digit appears first?", ""], "xp-teacher")
    assert "a number answer" in texts(out) and "(a number from 0 to 9)" in texts(out)
    assert "from 0 to 9" in texts(post_event(url, "room_sync", [], students[0]))
    for value in [12, -1, float("nan"), float("inf")]:  # (NaN and Infinity go as bare words, as a hostile page sends)
        out = post_event(url, "room_answer", [None, value], students[0])
        assert out[0] is None or "⚠️" in texts(out), (value, out)
    assert "Your answer: **7**" in texts(post_event(url, "room_answer", [None, 7], students[0]))
    assert demo.ctx.rooms.experiment(code).tally.numbers == (7.0,)

    # the teacher's words are plain text on a student's page: no picture, no link, no tag
    post_event(url, "room_ask", [code, key, "digits", 1, "![](//host/x.png) <img src=x> [a](javascript:x)", ""],
               "xp-teacher")
    shown = texts(post_event(url, "room_sync", [], students[0]))
    assert "&lt;img src" in shown and "<img" not in shown and "](//host" not in shown


def test_students_and_strangers_cannot_work_the_experiment(room_of_three, post_event):
    demo, url, code, key, students = room_of_three
    for event, data in [("room_ask", [code, "", "collapse", 0, "Q?", "a\nb"]),
                        ("room_ask", [code, "x" * 22, "collapse", 0, "Q?", "a\nb"]),
                        ("room_reveal", [code, None]), ("room_close_question", ["ZZZZ", key]),
                        ("room_send_step", [code, code, "collapse", 0]),
                        ("room_assign", [code, "", ["ring8", "grid25"]])]:
        out = post_event(url, event, data, students[0])
        assert "⚠️" in texts(out) and "Traceback" not in texts(out), (event, out)
    view = demo.ctx.rooms.experiment(code)
    assert view.question is None and view.step is None and view.variants == ()
    out = post_event(url, "room_assign", [code, key, ["ring8", "../../etc/passwd"]], "xp-teacher")
    assert "not in the list of choices" in texts(out) and demo.ctx.rooms.experiment(code).variants == ()  # (Gradio's)
    out = post_event(url, "room_ask", [code, key, "collapse", 0, "x" * 5000, ""], "xp-teacher")
    assert "⚠️" in texts(out) and demo.ctx.rooms.experiment(code).question is None
    out = post_event(url, "room_answer", [None, 3], "a-stranger")  # in no room
    assert "not in a room" in texts(out)
    assert post_event(url, "room_sync", [], "a-stranger") is not None  # (nothing to show: no error)
