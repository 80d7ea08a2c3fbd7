"""Class rooms (live/rooms.py): codes, bounds, idle closing with a fake clock, isolation between rooms."""

import itertools

import pytest

from live.rooms import ALPHABET, NICKNAME_MAX, RoomError, RoomRegistry, clean_nickname, normalize_code


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
    reg = rooms(clock, max_rooms=50)
    codes = {reg.open() for _ in range(50)}
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
    code = reg.open()
    a, b = reg.join(code, "sess-a"), reg.join(code, "sess-b")
    assert (a.number, b.number) == (1, 2) and a.token != b.token and "sess" not in a.token
    assert reg.join(code, "sess-a").token == a.token  # joining again (a reload) keeps the member
    assert reg.set_nickname("sess-b", "  Ben ") == "Ben"
    assert [m.name for m in reg.members(code)] == ["Run 1", "Ben"]
    assert reg.session_for(code, b.token) == "sess-b" and reg.session_for(code, "nope") is None
    assert reg.session_for(code, None) is None and reg.session_for("ZZZZ", a.token) is None
    reg.leave("sess-a")
    assert [m.session for m in reg.members(code)] == ["sess-b"] and reg.room_of("sess-a") is None
    with pytest.raises(RoomError, match="not in a room"):
        reg.set_nickname("sess-a", "x")


def test_bounds_on_rooms_and_members(clock):
    reg = rooms(clock, max_rooms=2, max_members=3)
    code = reg.open()
    reg.open()
    with pytest.raises(RoomError, match="2 open rooms"):
        reg.open()
    for i in range(3):
        reg.join(code, f"s{i}")
    with pytest.raises(RoomError, match="full"):
        reg.join(code, "s3")
    reg.join(code, "s0")  # a member already in may come back
    with pytest.raises(RoomError, match="no open room"):
        reg.join("ZZZZ", "s4")
    with pytest.raises(ValueError):
        RoomRegistry(max_rooms=0)


def test_a_room_with_no_activity_for_an_hour_is_closed(clock):
    reg = rooms(clock, max_rooms=1)
    code = reg.open()
    reg.join(code, "s")
    clock.now += 3000
    assert reg.touch(code)  # the board looked at it: an hour from now again
    clock.now += 3000
    assert reg.exists(code) and reg.room_of("s") == code
    clock.now += 601
    assert reg.close_idle() == [code]
    assert not reg.exists(code) and reg.room_of("s") is None and reg.members(code) == []
    assert not reg.touch(code)
    assert reg.open()  # its place is free again


def test_members_whose_tab_has_no_run_for_long_are_dropped(clock):
    reg = rooms(clock, absent_drop_s=900)
    code = reg.open()
    for s in ("a", "b"):
        reg.join(code, s)
    clock.now += 600
    assert len(reg.members(code, present={"a"})) == 2  # b is absent, not for long yet
    clock.now += 600
    assert [m.session for m in reg.members(code, present={"a"})] == ["a"]


def test_rooms_are_isolated(clock):
    reg = rooms(clock)
    one, two = reg.open(), reg.open()
    m = reg.join(one, "a")
    reg.join(two, "b")
    assert [x.session for x in reg.members(one)] == ["a"] and [x.session for x in reg.members(two)] == ["b"]
    assert reg.session_for(two, m.token) is None  # a token is only good in its own room
    reg.join(two, "a")  # a tab is in one room at most: joining another leaves the first
    assert reg.members(one) == [] and {x.session for x in reg.members(two)} == {"a", "b"}
    assert reg.room_of("a") == two


def test_a_code_collision_draws_again(clock):
    codes = itertools.chain(["AAAA", "AAAA", "BBBB"])
    reg = RoomRegistry(clock=clock, new_code=lambda: next(codes))
    assert (reg.open(), reg.open()) == ("AAAA", "BBBB")


def test_each_room_has_an_unguessable_class_run_session(clock):
    reg = rooms(clock)
    one, two = reg.open(), reg.open()
    assert reg.class_session(one) != reg.class_session(two) and one not in reg.class_session(one)
    assert len(reg.class_session(one)) > 20 and reg.class_session("ZZZZ") is None


def test_shared_snapshots_fetch_at_most_once_per_max_age(clock):
    from live.shared_snapshot import SharedSnapshots

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
