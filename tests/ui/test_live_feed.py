"""The live view's poll (ui/live_view): its payload's schema on every kind of run, its packing, its
history deltas, and who may read it (a token of another run, a forged one, a replaced run's)."""

from __future__ import annotations

import asyncio
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import orjson
import pytest

from gan_core.pictures.field import HEAT_RES, MANIFOLD_RES
from live.classroom.member import ClassMember
from live.serving.sessions import SessionRegistry
from live.single.history import SERIES
from live.single.remote import RemoteTrainer
from live.single.trainer import Trainer
from ui.live_view import payload
from ui.live_view.feed import LiveFeed, LiveRoute
from ui.live_view.payload import Have

from conftest import poll_until, tiny_cfg

STATUSES = {"idle", "running", "paused", "done", "error", "building"}


def check_schema(p: dict, kind: str | None = None) -> None:
    """Everything payload.py's docstring promises, with its types."""
    assert p["schema"] == payload.SCHEMA
    assert isinstance(p["version"], int) and isinstance(p["step"], int) and p["step"] >= 0
    assert isinstance(p["run"], int)
    assert p["status"] in STATUSES and isinstance(p["its"], float)
    assert p["button"] in ("Pause", "Resume")
    for key in ("status_html", "alerts_html", "note", "objective"):
        assert isinstance(p[key], str)
    assert p["status_html"].startswith("<p>") and "What the trainer sees" in p["alerts_html"]
    assert isinstance(p["probability"], bool)
    h = p["history"]
    assert isinstance(h["from"], int) and h["from"] >= 0
    rows = h["rows"]
    assert set(rows) <= {"step", *SERIES}
    assert all(len(v) == len(rows.get("step", [])) for v in rows.values())
    assert all(v is None or math.isfinite(v) for k, vals in rows.items() for v in vals)  # (NaN travels as null)
    assert all(type(s) is int for s in rows.get("step", []))  # exact: a poll names the step of its last row
    pic = p["picture"]
    assert pic is not None or kind is None
    if pic is None:
        return
    assert pic["kind"] == kind if kind else pic["kind"] in ("field", "samples")
    assert isinstance(pic["step"], int)
    if pic["kind"] == "samples":
        assert pic["png"].startswith("data:image/png;base64,")
        return
    assert len(pic["bounds"]) == 4 and pic["bounds"][0] < pic["bounds"][1] and pic["bounds"][2] < pic["bounds"][3]
    shapes = {"heat": [HEAT_RES, HEAT_RES], "manifold": [MANIFOLD_RES, MANIFOLD_RES, 2]}
    for name in payload.FIELD_ARRAYS:
        q = pic[name]
        assert set(q) == {"shape", "lo", "hi", "b64"} and q["lo"] <= q["hi"]
        assert q["shape"] == shapes.get(name, q["shape"]) and (name in shapes or q["shape"][1] == 2)
        assert payload.unpack(q).shape == tuple(q["shape"])
    assert pic["centers"] is None or all(len(c) == 2 for c in pic["centers"])


# -- packing ----------------------------------------------------------------------------------------
def test_pack_round_trips_within_one_code_and_keeps_non_finite_values_apart():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 2)) * 3
    a[5, 0], a[7, 1], a[9] = np.nan, np.inf, -np.inf
    q = payload.pack(a)
    back = payload.unpack(q)
    finite = np.isfinite(a)
    assert np.array_equal(np.isnan(back), ~finite)  # every NaN / Inf is marked, nothing else
    step = (q["hi"] - q["lo"]) / 65534
    assert np.max(np.abs(back[finite] - a[finite])) <= step / 2 + 1e-12
    assert q["lo"] == a[finite].min() and math.isclose(q["hi"], a[finite].max())
    assert payload.unpack(payload.pack(np.full((3, 3), 0.25))).tolist() == [[0.25] * 3] * 3  # a flat array
    assert np.isnan(payload.unpack(payload.pack([np.nan, np.nan]))).all()


def test_a_field_is_a_few_kilobytes_of_json(ring8_trainer_field):
    field = ring8_trainer_field
    packed = orjson.dumps(payload.field_picture(field, 10))
    assert len(packed) < 20_000  # (the PNG it replaced was ~78 KB)
    pic = orjson.loads(packed)
    for name in payload.FIELD_ARRAYS:  # what the browser decodes is the field, to within a code
        want = np.asarray(field[name], dtype=np.float64)
        got = payload.unpack(pic[name])
        assert np.allclose(got, want, atol=(pic[name]["hi"] - pic[name]["lo"]) / 65534 + 1e-9)


@pytest.fixture(scope="module")
def ring8_trainer_field():
    return Trainer(tiny_cfg(), device="cpu").render()["field"]


# -- history deltas ------------------------------------------------------------------------------------
def _history(steps):
    return {"step": list(steps), **{k: [float(s) for s in steps] for k in SERIES}}


def test_a_poll_gets_only_the_rows_it_lacks_and_all_of_them_when_its_rows_are_stale():
    h = _history(range(0, 100, 5))  # 20 rows
    big = _history([123_456, 123_457])  # (steps are never rounded like the values: the next poll names them)
    assert payload.history_since(big, Have())["rows"]["step"] == [123_456, 123_457]
    whole = payload.history_since(h, Have())
    assert whole["from"] == 0 and whole["rows"]["step"] == h["step"]
    delta = payload.history_since(h, Have(rows=18, last=85))
    assert delta["from"] == 18 and delta["rows"]["step"] == [90, 95]
    assert payload.history_since(h, Have(rows=20, last=95))["rows"]["step"] == []  # nothing new
    thinned = _history(range(0, 100, 10))  # the history halved (live.single.history): row 17 is another step now
    assert payload.history_since(thinned, Have(rows=9, last=85))["from"] == 0
    assert payload.history_since(_history(range(0, 40, 5)), Have(rows=18, last=85))["from"] == 0  # truncated (NaN)
    assert payload.history_since(h, Have(rows=18, last=84))["from"] == 0  # another run's rows


def test_not_finite_history_values_travel_as_null():
    h = _history([1, 2, 3])
    h["d_loss"][1] = math.nan
    h["g_loss"][2] = math.inf
    rows = payload.history_since(h, Have())["rows"]
    assert rows["d_loss"] == [1.0, None, 3.0] and rows["g_loss"] == [1.0, 2.0, None]
    assert orjson.loads(orjson.dumps(rows))["d_loss"][1] is None


def test_a_polls_query_is_bounded_and_garbage_means_nothing_held():
    assert Have.from_query({"v": "7", "r": "2", "h": "12", "t": "60", "p": "55"}) == Have(7, 2, 12, 60, 55)
    assert Have.from_query({"v": "none", "h": "-9", "t": "1e999", "p": ""}) == Have(payload.NOTHING, 0, 0, -1, -2)
    assert Have.from_query({"v": "-1", "p": "-99"}) == Have(version=-1, picture=-2)  # (a process's problem version)
    assert Have.from_query({"v": "9" * 20}).version == 2**53
    assert Have.from_query({}) == Have()


def test_messages_are_text_never_markup():
    out = payload.html_of("**running** · <small>live</small>  \n⚠️ <img src=x onerror=alert(1)> & <script>")
    assert "<img" not in out and "<script" not in out and "&lt;img" in out
    assert "<small>live</small>" in out and "<strong>running</strong>" in out


# -- the feed on every kind of run ------------------------------------------------------------------------
def _registry(kind):
    build = {"thread": lambda cfg, **kw: Trainer(cfg, device="cpu", **kw),
             "process": lambda cfg, **kw: RemoteTrainer(cfg, **kw),
             "class": lambda cfg, **kw: ClassMember(cfg, **kw)}[kind]
    return SessionRegistry(trainer_factory=build, reap_every_s=0.0)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["thread", "process", "class"])
def test_every_kind_of_run_answers_polls_in_the_schema(kind):
    registry = _registry(kind)
    feed = LiveFeed(registry)
    try:
        run = registry.create("tab", tiny_cfg(train={"log_every": 5}))
        value = feed.value("tab", run)
        token, first = value["token"], value["payload"]
        check_schema(first, "field")
        assert len(token) == 22 and first["picture"]["step"] == 0  # a new run shows its step 0 at once
        registry.start("tab")
        assert poll_until(lambda: run.snapshot().visual_step > 0 and len(run.snapshot().history["step"]) > 3,
                          timeout_s=60)
        status, body = feed.answer(token, Have())
        assert status == 200
        whole = orjson.loads(body)
        check_schema(whole, "field")
        assert whole["status"] == "running" and whole["history"]["from"] == 0 and whole["picture"]["step"] > 0
        n, last = len(whole["history"]["rows"]["step"]), whole["history"]["rows"]["step"][-1]
        have = Have(whole["version"], whole["run"], n, last, whole["picture"]["step"])
        assert poll_until(lambda: run.snapshot().version != whole["version"], timeout_s=30)
        status, body = feed.answer(token, have)
        delta = orjson.loads(body)
        check_schema(delta)
        assert delta["history"]["from"] == n  # only what is new
        run.pause()  # a paused run, once its last picture is in, has nothing new: 204
        assert poll_until(lambda: (lambda s: s.status == "paused" and s.visual_step == s.step)(run.snapshot()),
                          timeout_s=30)
        assert feed.answer(token, Have(run.snapshot().version, first["run"]))[0] == 204
    finally:
        registry.shutdown()


def test_an_image_run_sends_its_sample_grid_as_a_small_png():
    registry = SessionRegistry(trainer_factory=lambda cfg, **kw: Trainer(cfg, device="cpu", **kw),
                               reap_every_s=0.0)
    try:
        run = registry.create("tab", tiny_cfg("digits"))
        p = LiveFeed(registry).value("tab", run)["payload"]
        check_schema(p, "samples")
        assert len(p["picture"]["png"]) < 60_000
    finally:
        registry.shutdown()


def test_a_replays_field_packs_in_the_same_schema():
    from gan_core import replay as rp
    from ui.common import CHECKPOINT_DIR

    replay = rp.load(rp.replay_path(CHECKPOINT_DIR / "ring8.json"))
    pic = payload.field_picture(replay.field(replay.n_frames - 1), 100)
    check_schema({**_minimal(), "picture": pic}, "field")


def _minimal() -> dict:
    return {"schema": 1, "run": 0, "version": 0, "step": 0, "status": "idle", "its": 0.0, "button": "Pause",
            "status_html": "<p>x</p>", "alerts_html": "<p>What the trainer sees</p>", "note": "", "objective": "",
            "probability": True, "history": {"from": 0, "rows": {"step": []}}}


def test_the_preview_value_has_no_token_and_the_schema():
    from gan_core.presets import get_preset
    from ui.train import view

    value = view.preview_value(get_preset("ring8"))
    assert value["token"] is None
    check_schema(value["payload"], "field")
    assert view.preview_value(get_preset("ring8")) == value  # (its numbers computed once: lru)


# -- who may read ---------------------------------------------------------------------------------------
@pytest.fixture()
def two_tabs():
    registry = SessionRegistry(trainer_factory=lambda cfg, **kw: Trainer(cfg, device="cpu", **kw),
                               reap_every_s=0.0)
    feed = LiveFeed(registry)
    yield registry, feed
    registry.shutdown()


def test_a_forged_token_or_a_replaced_runs_gets_nothing(two_tabs):
    registry, feed = two_tabs
    mine = registry.create("mine", tiny_cfg())
    theirs = registry.create("theirs", tiny_cfg(train={"seed": 3}))
    t_mine, t_theirs = feed.token_for("mine", mine), feed.token_for("theirs", theirs)
    assert t_mine != t_theirs and feed.token_for("mine", mine) == t_mine  # one token per run, kept
    assert feed.answer("A" * 22, Have())[0] == 404  # forged
    assert feed.answer(t_mine[:-1] + ("A" if t_mine[-1] != "A" else "B"), Have())[0] == 404  # one character off
    status, body = feed.answer(t_mine, Have())
    assert status == 200 and orjson.loads(body)["status"] == "idle"
    replaced = registry.create("mine", tiny_cfg(train={"seed": 5}))  # Reset: a new run, a new token
    assert feed.answer(t_mine, Have())[0] == 410
    assert feed.token_for("mine", replaced) != t_mine
    registry.close("theirs")
    assert feed.answer(t_theirs, Have())[0] == 410


def test_the_token_table_is_bounded(two_tabs):
    registry, _ = two_tabs
    feed = LiveFeed(registry, max_tokens=4)
    runs = [Trainer(tiny_cfg(), device="cpu") for _ in range(6)]
    tokens = [feed.token_for(f"tab{i}", r) for i, r in enumerate(runs)]
    assert len(feed._tokens) == 4 and feed.answer(tokens[0], Have())[0] == 404  # the oldest went first


def _call(route, path: str, query: bytes = b"", method: str = "GET", client=("10.0.0.1", 1)):
    """One request through the ASGI route: (status, headers, body)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": query, "headers": [], "client": client}
    with ThreadPoolExecutor(1) as pool:  # (its own thread: a browser test's loop may be running in this one)
        pool.submit(asyncio.run, route(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def test_the_route_answers_before_gradio_and_passes_everything_else_on(two_tabs):
    registry, feed = two_tabs
    run = registry.create("tab", tiny_cfg())
    token = feed.token_for("tab", run)
    passed = []

    async def gradio(scope, receive, send):
        passed.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"gradio"})

    route = LiveRoute(gradio, feed=feed)
    status, headers, body = _call(route, f"/live/{token}", b"v=none&h=0&t=-1&p=-2")
    assert status == 200 and headers[b"content-type"] == b"application/json"
    assert headers[b"cache-control"] == b"no-store"
    version = orjson.loads(body)["version"]
    status, _, body = _call(route, f"/live/{token}", f"v={version}&r=1&h=0&t=-1&p=-2".encode())
    assert status == 204 and body == b""
    assert _call(route, "/live/" + "B" * 22)[0] == 404
    assert _call(route, f"/prefix/live/{token}")[0] == 200  # behind a proxy's path prefix too
    for other in (f"/live/{token}x", "/live/short", f"/gradio_api/file=live/{token}/x", "/"):
        assert _call(route, other)[2] == b"gradio"
    assert _call(route, f"/live/{token}", method="POST")[2] == b"gradio"
    assert passed == [f"/live/{token}x", "/live/short", f"/gradio_api/file=live/{token}/x", "/", f"/live/{token}"]


def test_a_loop_of_polls_is_refused_cheaply(two_tabs, monkeypatch):
    monkeypatch.setattr("ui.request_limits.clock", lambda: 100.0)  # no refill while the loop runs
    registry, feed = two_tabs
    token = feed.token_for("tab", registry.create("tab", tiny_cfg()))
    route = LiveRoute(None, feed=feed)
    codes = [_call(route, f"/live/{token}")[0] for _ in range(40)]
    assert codes == [200] * 12 + [429] * 28  # the burst (12), then nothing
    assert feed.polls == 12  # a refused poll never reached the run


def test_a_watch_token_reads_the_rooms_class_run_whatever_it_is_now(two_tabs):
    from live.serving.rooms import RoomRegistry
    from live.serving.shared_snapshot import SharedSnapshots

    registry, _ = two_tabs
    rooms = RoomRegistry(has_run=lambda s: registry.peek(s) is not None)
    feed = LiveFeed(registry, rooms, SharedSnapshots(max_age_s=0.0))
    made = rooms.open("teacher")
    value = feed.watch_value(made.code)
    token = value["token"]
    assert value["payload"]["picture"] is None and "not started a class run" in value["payload"]["status_html"]
    assert feed.answer(token, Have(version=-3))[0] == 204  # still none: nothing new
    first = registry.create(rooms.class_session(made.code), tiny_cfg())
    p1 = orjson.loads(feed.answer(token, Have(version=-3))[1])
    check_schema(p1, "field")
    assert "Class run" in p1["status_html"]
    again = registry.create(rooms.class_session(made.code), tiny_cfg(train={"seed": 9}))  # the teacher's new run
    have = Have(p1["version"], p1["run"], len(p1["history"]["rows"]["step"]), -1, p1["picture"]["step"])
    p2 = orjson.loads(feed.answer(token, have)[1])
    assert p2["run"] != p1["run"] and p2["history"]["from"] == 0 and p2["picture"] is not None  # all of it again
    assert first is not again and feed.token_for("x", first) != token  # (a watch token is no run's token)
    rooms.close(made.code, made.key, "teacher")
    assert feed.answer(token, Have())[0] == 410


def test_a_focus_token_reads_one_members_run_from_its_last_snapshot_only(two_tabs, monkeypatch):
    """The teacher's projector showing one student's run (the board picked it): read only, from the snapshot
    the student's own page fetched last (no call to the run), gone with the member or the room."""
    from live.serving.rooms import RoomRegistry

    registry, _ = two_tabs
    rooms = RoomRegistry(has_run=lambda s: registry.peek(s) is not None)
    feed = LiveFeed(registry, rooms)
    made = rooms.open("teacher")
    member = rooms.join(made.code, "student", "127.0.0.1")
    run = registry.create("student", tiny_cfg())
    value = feed.focus_value(made.code, member.token)
    token = value["token"]
    assert token != feed.token_for("student", run) and value["payload"]["status"] == "idle"
    check_schema(value["payload"], "field")
    calls, last = [], run.snapshot()
    monkeypatch.setattr(Trainer, "last_snapshot", property(lambda self: last))  # (as a member's cached copy)
    run.snapshot = lambda: calls.append(1) or last  # the projector must not ask the run itself
    p = value["payload"]
    have = Have(p["version"], p["run"], len(p["history"]["rows"]["step"]), -1, (p["picture"] or {}).get("step", -1))
    assert feed.answer(token, have)[0] == 204 and calls == []
    assert feed.answer(feed.focus_value(made.code, "x" * 22)["token"], Have())[0] == 410  # no such member
    registry.close("student")
    assert feed.answer(token, Have())[0] == 410
