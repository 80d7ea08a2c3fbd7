"""What the class board costs the web server, against what one watching student's poll costs.

    python -m benchmarks.board_cost --students 28 --seconds 60

Builds the app in this process (not launched), puts `--students` ring8 runs in one room (the class
process trains them together) and plays the class for `--seconds`: every second each student's
Train-tab poll, every BOARD_EVERY_S the board's poll. A student's poll is the live view's
GET live/<token> (ui/live_view/feed.py LiveFeed.answer: the snapshot, the JSON; the page's `Have`
kept from its last answer, as live_view.js keeps it); the board's goes through Gradio's own
`process_api` (inputs, the handler, and the encoding of its outputs: the board's HTML). One at a
time; each one's cost is the CPU time this process spent meanwhile (time.process_time: the
server's side of the IPC included, the class process's training not; the HTTP layer not).
The runs' last snapshots come from the students' polls, as in a class. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import gradio as gr
import torch
from gradio.state_holder import SessionState

from app import build_demo
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.presets import get_preset
from live.factory import run_factory
from live.serving.sessions import SessionRegistry
from ui.board.layout import BOARD_EVERY_S
from ui.common import AppContext
from ui.live_view.payload import Have


def block_fn(demo, api_name: str):
    return next(f for f in demo.fns.values() if f.api_name == api_name)


async def cpu_ms(demo, fn, inputs: list, state: SessionState, session: str) -> float:
    t = time.process_time()
    await demo.process_api(fn, inputs, state=state, request=gr.Request(session_hash=session), session_hash=session)
    return (time.process_time() - t) * 1e3


def poll_ms(feed, token: str, have: dict) -> float:
    """One student's poll through the feed, its CPU in ms; `have` follows the answers as the page's store does."""
    t = time.process_time()
    status, body = feed.answer(token, Have(**have))
    if status == 200:
        p = json.loads(body)
        h = p["history"]
        have["rows"] = (0 if h["from"] == 0 else have["rows"]) + len(h["rows"].get("step", []))
        if h["rows"].get("step"):
            have["last"] = h["rows"]["step"][-1]
        have["version"] = p["version"]
        if p["picture"]:
            have["picture"] = p["picture"]["step"]
    return (time.process_time() - t) * 1e3


def summary(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"n": len(xs), "median_ms": round(statistics.median(xs), 2),
            "p95_ms": round(xs[int(0.95 * (len(xs) - 1))], 2), "mean_ms": round(statistics.fmean(xs), 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=28)
    p.add_argument("--seconds", type=float, default=40.0)
    args = p.parse_args()
    torch.set_num_threads(1)
    registry = SessionRegistry(trainer_factory=run_factory(), max_runs=args.students + 2,
                               max_runs_per_client=args.students + 2)
    ctx = AppContext(registry=registry)
    demo = build_demo(ctx)
    board_poll = block_fn(demo, "board_poll")
    room = ctx.rooms.open("bench")
    code = room.code
    sessions = [f"bench-student-{i}" for i in range(args.students)]
    for s in sessions:
        ctx.rooms.join(code, s, "bench")
        registry.create(s, get_preset("ring8"), client=s, metric_fn=live_metrics)
        registry.start(s)
    states = {s: SessionState(demo) for s in sessions + ["teacher"]}
    tokens = {s: ctx.feed.token_for(s, registry.peek(s)) for s in sessions}
    haves = {s: {"version": -1, "rows": 0, "last": -1, "picture": -2} for s in sessions}
    student_ms, board_ms = [], []

    async def play() -> None:
        teacher = states["teacher"]  # the teacher opens the room on the board (its State holds the code and key)
        await demo.process_api(block_fn(demo, "board_open_room"), [f"?room={code}&teacher={room.key}"], state=teacher,
                               request=gr.Request(session_hash="teacher", headers={}), session_hash="teacher")
        start = next_board = time.monotonic()
        while time.monotonic() - start < args.seconds:
            tick = time.monotonic()
            for s in sessions:
                student_ms.append(poll_ms(ctx.feed, tokens[s], haves[s]))
            if tick >= next_board:
                board_ms.append(await cpu_ms(demo, board_poll, [code, room.key, ""], states["teacher"], "teacher"))
                next_board = tick + BOARD_EVERY_S
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    try:
        asyncio.run(play())
        steps = [registry.peek(s).last_snapshot.step for s in sessions]
        shown = asyncio.run(demo.process_api(board_poll, [code, room.key, ""], state=states["teacher"],
                                                          request=gr.Request(session_hash="teacher"),
                                                          session_hash="teacher"))
        pictures = str(shown["data"]).count("<img ")
    finally:
        registry.shutdown()
    print(json.dumps({"students": args.students, "seconds": args.seconds, "student_poll": summary(student_ms),
                      "board_poll": summary(board_ms[1:]),  # (the first draws every thumbnail at once)
                      "board_ms_per_s": round(statistics.fmean(board_ms[1:]) / BOARD_EVERY_S, 2),
                      "one_student_ms_per_s": round(statistics.fmean(student_ms), 2),
                      "median_step_at_end": statistics.median(steps),
                      "pictures_on_the_board": pictures}))


if __name__ == "__main__":
    main()
