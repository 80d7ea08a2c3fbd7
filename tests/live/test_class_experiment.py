"""A room's class experiment (live/serving/class_experiment.py) and the rooms' calls around it: bounds,
one answer a member, the teacher's key for every write, the assignment's split and seeds, late joiners,
the channel's version and the news a page applies once."""

from __future__ import annotations

import math

import pytest

from live.serving.class_experiment import (
    CHOICES_MAX,
    NUMBER_LIMIT,
    QUESTION_MAX,
    VARIANTS_MAX,
    Experiment,
    ExperimentError,
)
from live.serving.rooms import RoomError, RoomRegistry


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_question_is_bounded():
    ex = Experiment()
    for text in ["", "   ", None, 5, "x" * (QUESTION_MAX + 1)]:
        with pytest.raises(ExperimentError):
            ex.ask(text, ["a", "b"])
    for choices in [["only one"], ["c"] * (CHOICES_MAX + 1), ["a", ""], ["a", "x" * 81], "ab", None]:
        with pytest.raises(ExperimentError):
            ex.ask("Which?", choices)
    for low, high in [(1, 1), (2, 1), (-math.inf, 1), (0, math.nan), (0, 2 * NUMBER_LIMIT), (True, 5), ("0", 1)]:
        with pytest.raises(ExperimentError):
            ex.ask("How many?", (), low, high)
    assert ex.version == 0 and ex.question is None  # (nothing refused changed the room)
    q = ex.ask("  Which   player? ", ["D", "G"])
    assert q.text == "Which player?" and q.choices == ("D", "G") and q.serial == 1 and ex.version == 1


def test_an_answer_is_a_choice_in_range_or_a_finite_number_within_bounds():
    ex = Experiment()
    with pytest.raises(ExperimentError, match="no open question"):
        ex.answer("t1", 0)
    ex.ask("Which?", ["a", "b", "c"])
    for bad in [-1, 3, 1.0, True, None, "1", [0]]:
        with pytest.raises(ExperimentError):
            ex.answer("t1", bad)
    assert ex.answer("t1", 2) == 2
    ex.ask("How many modes?", (), 0, 8)
    assert ex.answers == {}  # a new question: the last one's answers go
    for bad in [-0.5, 8.5, math.nan, math.inf, True, "3", None]:
        with pytest.raises(ExperimentError):
            ex.answer("t1", bad)
    assert ex.answer("t1", 7) == 7.0 and ex.answer("t2", 0.5) == 0.5


def test_one_answer_a_member_changed_until_the_reveal():
    ex = Experiment()
    ex.ask("Which?", ["a", "b"])
    ex.answer("t1", 0)
    ex.answer("t2", 0)
    ex.answer("t1", 1)  # changed: still one answer
    assert ex.tally().counts == (1, 1) and ex.tally().answered == 2
    assert ex.tally({"t1"}).counts == (0, 1)  # (only the room's members now count)
    version = ex.version
    ex.reveal()
    assert ex.question.revealed and ex.version == version + 1
    with pytest.raises(ExperimentError, match="revealed"):
        ex.answer("t2", 1)
    assert ex.tally().counts == (1, 1)
    ex.close_question()
    assert ex.question is None and ex.tally().answered == 0
    with pytest.raises(ExperimentError):
        ex.reveal()


def test_number_answers_are_tallied_sorted():
    ex = Experiment()
    ex.ask("How many?", (), 0, 100)
    for token, value in [("a", 30), ("b", 10), ("c", 20)]:
        ex.answer(token, value)
    assert ex.tally().numbers == (10.0, 20.0, 30.0) and ex.tally().counts == ()


def test_a_step_sent_is_bounded():
    ex = Experiment()
    for lesson, step in [("", 0), ("x" * 65, 0), ("collapse", -1), ("collapse", 100), ("collapse", 1.0),
                         ("collapse", True), (None, 0)]:
        with pytest.raises(ExperimentError):
            ex.send_step(lesson, step)
    sent = ex.send_step("collapse", 2)
    assert (sent.serial, sent.lesson, sent.step) == (1, "collapse", 2) and ex.version == 1
    assert ex.send_step("collapse", 3).serial == 2


def test_an_assignment_splits_round_robin_with_every_seed_different_and_late_joiners_get_the_next_slot():
    ex = Experiment()
    assert ex.slot_for("t0") is None  # no assignment yet
    for variants in [["a"], ["a"] * (VARIANTS_MAX + 1), ["a", "a"], ["a", ""], "ab", None]:
        with pytest.raises(ExperimentError):
            ex.assign(variants, ["t0"])
    slots = ex.assign(["plain", "+ttur"], [f"t{i}" for i in range(5)])
    assert [(s.variant, s.seed, s.index) for s in slots.values()] == [
        ("plain", 0, 0), ("+ttur", 1, 1), ("plain", 2, 2), ("+ttur", 3, 3), ("plain", 4, 4)]
    late = ex.slot_for("t5")
    assert (late.variant, late.seed) == ("+ttur", 5) and ex.slot_for("t5") == late  # (asked twice: one slot)
    again = ex.assign(["x", "y", "z"], ["t0", "t1"])  # a new assignment: new slots, a new serial
    assert [s.variant for s in again.values()] == ["x", "y"] and again["t0"].serial == 2
    assert len({s.seed for s in ex.slots.values()}) == len(ex.slots)


@pytest.fixture
def room():
    clock = Clock()
    rooms = RoomRegistry(clock=clock)
    made = rooms.open("teacher")
    for i in range(3):
        rooms.join(made.code, f"s{i}", "school")
    return rooms, made, clock


def test_only_the_teachers_key_works_the_experiment(room):
    rooms, made, _ = room
    for key in ["", "wrong-key-wrong-key-1234", None, made.code]:
        with pytest.raises(RoomError):
            rooms.work(made.code, key, "student", lambda ex, tokens: ex.ask("Q?", ["a", "b"]))
    assert rooms.experiment(made.code).question is None
    other = rooms.open("teacher")  # another room's key does not work this one
    with pytest.raises(RoomError):
        rooms.work(made.code, other.key, "teacher", lambda ex, tokens: ex.ask("Q?", ["a", "b"]))
    q = rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.ask("Q?", ["a", "b"]))
    assert rooms.experiment(made.code).question == q


def test_members_answer_once_and_the_board_counts_the_members_now(room):
    rooms, made, _ = room
    with pytest.raises(RoomError):
        rooms.answer("stranger", 0)  # in no room
    rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.ask("Q?", ["a", "b"]))
    rooms.answer("s0", 0)
    rooms.answer("s1", 1)
    rooms.answer("s1", 0)
    assert rooms.experiment(made.code).tally.counts == (2, 0)
    rooms.leave("s1")  # a member who leaves takes their answer away
    assert rooms.experiment(made.code).tally.counts == (1, 0)
    assert rooms.news("s0").tally is None  # not revealed: a student sees no counts
    rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.reveal())
    assert rooms.news("s0").tally.counts == (1, 0) and rooms.news("s0").answer == 0


def test_the_assignment_follows_the_joining_order_and_a_late_joiner_gets_the_next_slot(room):
    rooms, made, _ = room
    rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.assign(["plain", "+ttur"], tokens))
    rooms.join(made.code, "late", "school")
    slots = {s: rooms.news(s).slot for s in ["s0", "s1", "s2", "late"]}
    assert [(slots[s].variant, slots[s].seed) for s in ["s0", "s1", "s2", "late"]] == [
        ("plain", 0), ("+ttur", 1), ("plain", 2), ("+ttur", 3)]
    view = rooms.experiment(made.code)
    assert view.variants == ("plain", "+ttur") and len(view.slots) == 4


def test_news_applies_a_step_and_an_assignment_once_and_a_reload_keeps_that(room):
    rooms, made, _ = room
    rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.send_step("collapse", 2))
    assert rooms.news("s0", applied=False).step.step == 2  # (looking does not apply it)
    assert rooms.news("s0").step.step == 2
    assert rooms.news("s0").step is None  # applied once
    rooms.move("s0", "s0-reloaded")  # a reload keeps the member, and what it applied
    assert rooms.news("s0-reloaded").step is None and rooms.news("s0") is None
    rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.send_step("collapse", 3))
    assert rooms.news("s0-reloaded").step.step == 3


def test_the_channel_answers_the_rooms_version_to_its_members_only(room):
    rooms, made, clock = room
    member, other = rooms.join(made.code, "s0", "school"), rooms.join(made.code, "s1", "school")
    assert rooms.channel_version(member.channel) == 0
    assert rooms.channel_version("x" * 22) is None and rooms.channel_version(member.token) is None
    rooms.work(made.code, made.key, "teacher", lambda ex, tokens: ex.send_step("collapse", 0))
    assert rooms.channel_version(member.channel) == 1
    clock.now += 100  # a poll says the page is there: its place is kept (ABSENT_DROP_S is 120 s)
    rooms.channel_version(member.channel)
    clock.now += 100
    assert [m.session for m in rooms.members(made.code)] == ["s0"]  # (s1 and s2 did not poll: dropped)
    rooms.move("s0", "s0-reloaded")
    assert rooms.channel_version(member.channel) == 1  # (the same member, the same channel)
    assert rooms.channel_version(other.channel) is None  # (dropped: its channel answers nothing)
    rooms.close(made.code, made.key, "teacher")
    assert rooms.channel_version(member.channel) is None
