"""Class rooms (live/serving/rooms.py): codes, teacher keys, bounds, idle closing and dropping absent members
with a fake clock, isolation between rooms, and the per-client budget of wrong guesses (live/serving/guesses.py)."""

import itertools

import pytest

from live.serving.guesses import TOO_MANY, GuessBudget
from live.serving.rooms import (
    ALPHABET,
    MAX_MEMBERS,
    MEMBERS_PER_CLIENT,
    NICKNAME_MAX,
    RoomError,
    RoomRegistry,
    clean_nickname,
    normalize_code,
    normalize_key,
)

T = "10.0.0.1"  # a teacher's address
S = "10.0.0.2"  # the students' (a class behind one NAT)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


def rooms(clock, **kwargs) -> RoomRegistry:
    return RoomRegistry(clock=clock, **kwargs)


def test_new_codes_are_short_and_unambiguous(clock):
    reg = rooms(clock, max_rooms=50, max_rooms_per_client=50)
    codes = {reg.open(T).code for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == 4 and set(code) <= set(ALPHABET) and normalize_code(code) == code
    assert not set("01OIL") & set(ALPHABET)


@pytest.mark.parametrize("text, code", [("k7qf", "K7QF"), (" K7QF\n", "K7QF"), ("ABCDEF", "ABCDEF"),
                                        ("K7Q", None), ("K7QF0", None), ("KOQF", None), ("ABCDEFG", None),
                                        ("../x", None), ("", None), (None, None), (123, None),
                                        ("K7QF" * 10_000, None), ("<b>", None)])
def test_codes_from_a_link_are_validated(text, code):
    assert normalize_code(text) == code


@pytest.mark.parametrize("text, name", [("  Ana  ", "Ana"), ("a\x00b\tc\nd", "a b c d"), (None, ""), (5, ""),
                                        ("x" * 10_000, "x" * NICKNAME_MAX), ("<script>", "<script>"),
                                        ("\u202eevil", "evil"), ("Zoë 🎓", "Zoë 🎓")])
def test_nicknames_are_bounded_and_printable(text, name):
    assert clean_nickname(text) == name  # (escaping for HTML is the board view's job: tested there)


def test_join_leave_nickname_and_tokens(clock):
    reg = rooms(clock)
    code = reg.open(T).code
    a, b = reg.join(code, "sess-a", S), reg.join(code, "sess-b", S)
    assert (a.number, b.number) == (1, 2) and a.token != b.token and "sess" not in a.token
    assert reg.join(code, "sess-a", S).token == a.token  # joining again (a reload) keeps the member
    assert reg.set_nickname("sess-b", "  Ben ") == "Ben"
    assert [m.name for m in reg.members(code)] == ["Run 1", "Ben"]
    assert reg.session_for(code, b.token) == "sess-b" and reg.session_for(code, "nope") is None
    assert reg.session_for(code, None) is None and reg.session_for("ZZZZ", a.token) is None
    reg.leave("sess-a")
    assert [m.session for m in reg.members(code)] == ["sess-b"] and reg.room_of("sess-a") is None
    with pytest.raises(RoomError, match="not in a room"):
        reg.set_nickname("sess-a", "x")


def test_bounds_on_rooms_and_members(clock):
    reg = rooms(clock, max_rooms=3, max_rooms_per_client=2, max_members=3)
    code = reg.open(T).code
    reg.open(T)
    with pytest.raises(RoomError, match="2 rooms are already open from this address"):
        reg.open(T)
    reg.open("10.9.9.9")  # another school's teacher
    with pytest.raises(RoomError, match="3 open rooms"):
        reg.open("10.9.9.8")
    for i in range(3):
        reg.join(code, f"s{i}", S)
    with pytest.raises(RoomError, match="full"):
        reg.join(code, "s3", S)
    reg.join(code, "s0", S)  # a member already in may come back
    with pytest.raises(RoomError, match="no open room"):
        reg.join("ZZZZ", "s4", S)
    with pytest.raises(ValueError):
        RoomRegistry(max_rooms=0)
    with pytest.raises(ValueError):
        RoomRegistry(max_rooms_per_client=0)


def test_the_default_bounds_fit_a_lecture_hall_behind_one_address():
    assert MAX_MEMBERS >= 120 and MEMBERS_PER_CLIENT >= 150  # (a hall of 100+ shares one NAT address)
    from live.serving.rooms import ABSENT_DROP_S
    from ui.board.banner import HEARTBEAT_S
    assert 3 * HEARTBEAT_S <= ABSENT_DROP_S  # a page that beats keeps its place, even slowed by its browser


def test_members_per_address_are_capped_below_the_room(clock):
    reg = rooms(clock, max_members=5, max_members_per_client=3)
    code = reg.open(T).code
    for i in range(3):
        reg.join(code, f"x{i}", "10.6.6.6")
    with pytest.raises(RoomError, match="full for this address"):
        reg.join(code, "x3", "10.6.6.6")
    reg.join(code, "s0", S)  # the rest of the room is still open to others
    reg.join(code, "s1", S)
    with pytest.raises(RoomError, match=r"full \(5 members\)"):
        reg.join(code, "s2", S)


def test_the_teacher_key_is_needed_and_unguessable(clock):
    reg = rooms(clock)
    one, two = reg.open(T), reg.open(T)
    assert normalize_key(one.key) == one.key and len(one.key) >= 22 and one.key != two.key
    assert one.code not in one.key and one.key not in one.code
    assert reg.teacher(one.code, one.key, T) == one.code
    assert reg.teacher(one.code, f"  {one.key}\n", T) == one.code  # (pasted with blanks)
    assert reg.teacher(None, two.key, T) == two.code  # the key alone finds its room
    for wrong in [two.key, "1", "", None, 5, one.key[:-1], one.key + "x", one.key.upper(), "x" * 10_000]:
        with pytest.raises(RoomError, match="teacher link|teacher key"):
            reg.teacher(one.code, wrong, S)  # (a student who knows the code: the old `&teacher=1` too)
    with pytest.raises(RoomError, match="no open room has this teacher key"):
        reg.teacher(None, "A" * 22, S)


def test_only_the_teacher_closes_a_room_and_its_members_read_so(clock):
    reg = rooms(clock, max_rooms=1)
    made = reg.open(T)
    reg.join(made.code, "s", S)
    with pytest.raises(RoomError):
        reg.close(made.code, "wrong-key-wrong-key", S)
    assert reg.exists(made.code)
    session = reg.close(made.code, made.key, T)
    assert session.startswith("class-") and not reg.exists(made.code) and reg.room_of("s") is None
    for act in (lambda: reg.join(made.code, "s", S), lambda: reg.teacher(made.code, made.key, T)):
        with pytest.raises(RoomError, match="closed \\(its teacher closed it\\)"):
            act()
    assert reg.open(T)  # its place is free again


def test_a_room_with_no_activity_for_an_hour_is_closed(clock):
    runs = set()
    reg = rooms(clock, max_rooms=1, has_run=runs.__contains__)
    made = reg.open(T)
    code = made.code
    reg.join(code, "s", S)
    runs.add("s")  # the student trains for 50 min: activity, seen at each read of the room
    clock.now += 3000
    assert [m.session for m in reg.members(code)] == ["s"]
    runs.clear()  # their tab closed, the run was reaped: only the board looks on
    clock.now += 3000
    for _ in range(3):
        reg.teacher(code, made.key, T, act=False)  # (a board's poll: no activity)
        reg.here("s")  # (a page's heartbeat: no activity either)
    assert reg.exists(code)
    clock.now += 601
    assert reg.close_idle() == [code]
    assert not reg.exists(code) and reg.room_of("s") is None and reg.members(code) == []
    with pytest.raises(RoomError, match="an hour without activity"):
        reg.teacher(code, made.key, T, act=False)
    assert reg.open(T)  # its place is free again


def test_a_member_with_a_run_keeps_an_unread_room_open(clock):
    runs = {"s"}
    reg = rooms(clock, has_run=runs.__contains__)
    code = reg.open(T).code
    reg.join(code, "s", S)
    clock.now += 5000  # nobody read the room meanwhile; the member's run still counts
    assert reg.exists(code)


def test_members_without_a_run_are_dropped_unless_their_page_beats(clock):
    runs = set()
    reg = rooms(clock, absent_drop_s=120, has_run=runs.__contains__)
    code = reg.open(T).code
    for s in ("trains", "waits", "loaded-only"):
        reg.join(code, s, S)
    runs.add("trains")
    for _ in range(5):  # ten minutes of teaching before "waits" presses Start
        clock.now += 60
        assert reg.here("waits") == code and reg.here("gone") is None
    assert [m.session for m in reg.members(code)] == ["trains", "waits"]  # (read by anyone: not only the board)
    clock.now += 121
    assert reg.join(code, "new", S)  # a join reads the room too: "waits" stopped beating
    assert [m.session for m in reg.members(code)] == ["trains", "new"] and reg.room_of("waits") is None
    reg.join(code, "waits", S)  # (what its page's next heartbeat does: back in, as a new member)
    assert reg.room_of("waits") == code


def test_rooms_are_isolated(clock):
    reg = rooms(clock)
    made = reg.open(T), reg.open(T)
    one, two = (x.code for x in made)
    m = reg.join(one, "a", S)
    reg.join(two, "b", S)
    assert [x.session for x in reg.members(one)] == ["a"] and [x.session for x in reg.members(two)] == ["b"]
    assert reg.session_for(two, m.token) is None  # a token is only good in its own room
    reg.join(two, "a", S)  # a tab is in one room at most: joining another leaves the first
    assert reg.members(one) == [] and {x.session for x in reg.members(two)} == {"a", "b"}
    assert reg.room_of("a") == two
    with pytest.raises(RoomError, match="not room"):
        reg.teacher(one, made[1].key, T)  # a teacher key is only good for its own room


def test_a_code_collision_draws_again(clock):
    codes = itertools.chain(["AAAA", "AAAA", "BBBB"])
    reg = RoomRegistry(clock=clock, new_code=lambda: next(codes))
    assert (reg.open(T).code, reg.open(T).code) == ("AAAA", "BBBB")


def test_wrong_codes_and_keys_spend_a_budget_per_client(clock):
    reg = rooms(clock, guesses=GuessBudget(budget=5, refill_s=3.0, clock=clock))
    made = reg.open(T)
    for i in range(3):
        with pytest.raises(RoomError, match="no open room"):
            reg.join("ZZZ" + ALPHABET[i], "attacker", S)
    for _ in range(2):
        with pytest.raises(RoomError, match="teacher link"):
            reg.teacher(made.code, "A" * 22, S)
    # over budget: refused before the code is looked at, so even the right code says nothing
    for code in ("ZZZZ", made.code):
        with pytest.raises(RoomError, match="too many wrong room codes"):
            reg.join(code, "attacker", S)
    with pytest.raises(RoomError, match="too many wrong room codes"):
        reg.teacher(made.code, "A" * 22, S)
    assert reg.teacher(made.code, made.key, S) == made.code  # (a right key is never refused: 128 bits)
    assert reg.join(made.code, "student", "10.7.7.7").number == 1  # other addresses are not affected
    clock.now += 3.0  # one more guess after refill_s
    assert reg.join(made.code, "attacker", S)
    with pytest.raises(RoomError, match="no open room"):
        reg.join("ZZZZ", "attacker", S)
    with pytest.raises(RoomError, match="too many"):
        reg.join("ZZZY", "attacker", S)
    clock.now += 60  # a minute later the budget is whole again
    for code in ("ZZZX", "ZZZW"):
        with pytest.raises(RoomError, match="no open room"):
            reg.join(code, "attacker", S)


def test_a_closed_room_is_not_a_wrong_guess(clock):
    """A class of 100 behind one address whose room closed: their pages' heartbeats must not use up the
    address's budget, or the teacher's next room could not be joined."""
    reg = rooms(clock, guesses=GuessBudget(budget=3, clock=clock))
    made = reg.open(T)
    for i in range(100):
        reg.join(made.code, f"s{i}", S)
    reg.close(made.code, made.key, T)
    for i in range(100):
        with pytest.raises(RoomError, match="has closed"):
            reg.join(made.code, f"s{i}", S)
    assert reg.join(reg.open(T).code, "s0", S)


def test_the_guess_budget_remembers_a_bounded_number_of_clients(clock):
    budget = GuessBudget(budget=2, refill_s=10.0, max_clients=3, clock=clock)
    for i in range(10):
        budget.wrong(f"c{i}")
        budget.wrong(f"c{i}")
    assert len(budget._spent) == 3 and not budget.allowed("c9") and budget.allowed("c0")  # (the oldest forgotten)
    clock.now += 20
    assert budget.allowed("c9")
    with pytest.raises(ValueError):
        GuessBudget(budget=0)
    assert TOO_MANY.startswith("too many wrong room codes")


def test_each_room_has_an_unguessable_class_run_session(clock):
    reg = rooms(clock)
    one, two = reg.open(T).code, reg.open(T).code
    assert reg.class_session(one) != reg.class_session(two) and one not in reg.class_session(one)
    assert len(reg.class_session(one)) > 20 and reg.class_session("ZZZZ") is None


def test_shared_snapshots_fetch_at_most_once_per_max_age(clock):
    from live.serving.shared_snapshot import SharedSnapshots

    class Run:
        calls = 0
        last_snapshot = {"step": 0}

        def snapshot(self):
            self.calls += 1
            self.last_snapshot = {"step": self.calls}
            return self.last_snapshot

    run, shared = Run(), SharedSnapshots(max_age_s=1.0, clock=clock)
    assert [shared.get(run)["step"] for _ in range(30)] == [1] * 30  # thirty watchers, one call
    clock.now += 1.0
    assert shared.get(run)["step"] == 2 and shared.get(run)["step"] == 2 and run.calls == 2
