"""docs/screenshot-board.png: the class board at projector size (1920x1080) with a room of runs, and
docs/screenshot-board-mobile.png: the same board on a 390 px phone (3x pixels, touch).

    python scripts/screenshot_board.py [--port 7953] [--students 24] [--wait 240]

Launches the app, opens a room, and fills it as a class would: most students train ring8, a few
ring8-collapse (the lesson's collapse), two joined but have not pressed Start; some typed a
nickname. A thread stands in for the students' own polls (which keep each run's last snapshot
fresh). Once most runs are past the early steps, Chromium opens the board as a teacher's second
screen does (the teacher link, `?room=CODE&teacher=<key>`) and takes the screenshot.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NICKNAMES = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Gus", "Hana", "Ivo", "Jun"]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=7953)
    p.add_argument("--students", type=int, default=24)
    p.add_argument("--wait", type=float, default=240.0, help="seconds to let the runs train at most")
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshot-board.png"))
    p.add_argument("--mobile-out", default=str(ROOT / "docs" / "screenshot-board-mobile.png"))
    args = p.parse_args()

    from playwright.sync_api import expect, sync_playwright

    from app import build_demo, launch_options
    from gan_core.evaluation.diagnostics import live_metrics
    from gan_core.presets import get_preset
    from live.factory import run_factory
    from live.serving.sessions import SessionRegistry
    from ui.common import AppContext

    n = args.students
    registry = SessionRegistry(trainer_factory=run_factory(), max_runs=n + 4, max_runs_per_client=n + 4)
    ctx = AppContext(registry=registry)
    demo = build_demo(ctx)
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=args.port, quiet=True,
                            **launch_options(demo))
    room = ctx.rooms.open("screenshot")
    code = room.code
    sessions = [f"shot-{i}" for i in range(n)]
    trained = sessions[:-2]  # the last two joined and have not pressed Start
    for i, s in enumerate(sessions):
        ctx.rooms.join(code, s, "screenshot")
        if i % 3 == 0:
            ctx.rooms.set_nickname(s, NICKNAMES[(i // 3) % len(NICKNAMES)])
    for i, s in enumerate(trained):
        preset = "ring8-collapse" if i % 6 == 5 else "ring8"
        registry.create(s, get_preset(preset), client=s, metric_fn=live_metrics)
        registry.start(s)
    stop = threading.Event()

    def students_poll():  # what each student's Train tab does every second
        while not stop.wait(1.0):
            for s in trained:
                run = registry.get(s)
                if run is not None:
                    run.snapshot()
            for s in sessions[len(trained):]:  # (and the banner's heartbeat: those without a run keep their place)
                ctx.rooms.here(s)

    threading.Thread(target=students_poll, daemon=True).start()
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        metrics = [registry.peek(s).last_snapshot.metrics or [{}] for s in trained]
        if sum(m[-1].get("step", 0) >= 1000 for m in metrics) >= 0.8 * len(trained):
            break
        time.sleep(2.0)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{url}?room={code}&teacher={room.key}")  # (the teacher link: a second screen's board)
            board = page.locator("#class-board")
            expect(board.locator("canvas.board-thumb")).to_have_count(len(trained), timeout=60_000)
            time.sleep(2 * 2.5)  # two more board polls: every thumbnail drawn
            page.locator("#tab-board").scroll_into_view_if_needed()
            page.screenshot(path=args.out)
            print(board.locator(".board-summary").inner_text())
            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                        has_touch=True, is_mobile=True).new_page()
            phone.goto(f"{url}?room={code}&teacher={room.key}")
            expect(phone.locator("#class-board canvas.board-thumb")).to_have_count(len(trained), timeout=60_000)
            time.sleep(2.5)
            phone.locator("#class-board").scroll_into_view_if_needed()
            phone.screenshot(path=args.mobile_out)
            browser.close()
    finally:
        stop.set()
        registry.shutdown()
        demo.close()
    print("wrote", args.out, args.mobile_out)


if __name__ == "__main__":
    main()
