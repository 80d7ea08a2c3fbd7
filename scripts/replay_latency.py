"""Latency of the Replays tab's slider: a click on the track -> the new picture and curves, through the app.

Measured like the latent slider (scripts/latent_latency.py, docs/LATENT_LATENCY.md): app.py in its own
process, headless Chromium opens the Replays tab, picks a replay and clicks random points of the
`replay-slider` track. In the page, a pointerdown listener stamps the click (the slider's input
event, which the tab listens to, fires then: stricter than the latent script's pointerup) and the
`load` events of the new `#replay-image` and `#replay-curves` pictures stamp the end; a position's time
is the later of the two. Queueing, the frame (drawn, or from the cache), PNG files, the download and
the decode are all in it.

Two phases per replay: `first` starts the moment the tab shows the replay, while the tab's prerender
thread is still drawing the replay's frames (the first student's view of a replay nobody opened yet);
`warm` follows once --settle-s seconds have passed (every frame drawn: what the rest of the class gets).

    python scripts/replay_latency.py                      # ring8, ring8-collapse, digits, mnist5k
    python scripts/replay_latency.py --replays ring8 -n 60 --json
    python scripts/replay_latency.py --methods handler     # the server's share alone, in this process
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from latent_latency import CHROMIUM, CHROMIUM_ARGS, _summary, launch_app, print_report, run_info, stop_app  # noqa: E402  (same harness)

# In the page: stamp each press on the page, and the load of each new picture of the two boxes.
WATCH_JS = """() => {
  window.__pressed = 0; window.__shown = {};
  document.addEventListener('pointerdown', () => { window.__pressed = performance.now(); }, true);
  for (const id of ['replay-image', 'replay-curves']) {
    const box = document.querySelector('#' + id);
    let last = box.querySelector('img') ? box.querySelector('img').src : '';
    window.__shown[id] = 0;
    new MutationObserver(() => {
      const img = box.querySelector('img');
      if (!img || img.src === last) return;
      last = img.src;
      const stamp = () => { window.__shown[id] = performance.now(); };
      if (img.complete && img.naturalWidth) stamp(); else img.addEventListener('load', stamp, {once: true});
    }).observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  }
}"""
BOTH_SHOWN = ("() => window.__shown['replay-image'] > window.__pressed && "
              "window.__shown['replay-curves'] > window.__pressed")


def _scrub(page, rng: random.Random, at: list[float], n: int) -> list[float]:
    """n clicks at random points of the track, each >= 8% of it from the last (a new frame every time)."""
    track = page.locator("#replay-slider input[type=range]")
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    times = []
    for _ in range(n):
        where = 0.03 + 0.94 * rng.random()
        while abs(where - at[0]) < 0.08:
            where = 0.03 + 0.94 * rng.random()
        at[0] = where
        page.evaluate("() => { window.__shown['replay-image'] = 0; window.__shown['replay-curves'] = 0; }")
        page.mouse.click(box["x"] + box["width"] * where, box["y"] + box["height"] / 2)
        page.wait_for_function(BOTH_SHOWN, timeout=30_000)
        times.append(page.evaluate("() => Math.max(window.__shown['replay-image'], window.__shown['replay-curves'])"
                                   " - window.__pressed"))
    return times


def measure_browser(url: str, replay: str, n_first: int = 20, n_warm: int = 60, settle_s: float = 30.0,
                    seed: int = 0) -> list[dict]:
    """[first, warm] summaries for one replay (a fresh page each, so each replay starts cold)."""
    from playwright.sync_api import expect, sync_playwright

    rng = random.Random(seed)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.get_by_role("tab", name="Replays").click()
        expect(page.locator("#replay-image img")).to_be_visible(timeout=60_000)
        page.locator("#replay-source input").click()
        page.get_by_role("option", name=f"{replay}:", exact=False).first.click()
        expect(page.locator("#replay-step")).to_contain_text("Step 0 of", timeout=60_000)
        page.evaluate(WATCH_JS)
        at = [0.0]
        first = _scrub(page, rng, at, n_first)
        time.sleep(settle_s)  # (a benchmark, not a test: the prerender thread gets its time)
        warm = _scrub(page, rng, at, n_warm)
        browser.close()
    return [_summary("first", replay, first), _summary("warm", replay, warm)]


def measure_handler(replay: str, n: int = 60, seed: int = 0) -> list[dict]:
    """The server's share, in this process: what the tab's slider handler does for one position (the frame's
    two PNGs from the cache or drawn, both written as files for Gradio, the metric line). `cold`: every
    frame drawn for the first time (the cache emptied first); `warm`: every frame already in the cache."""
    import tempfile

    from ui.replay import view
    from ui.train.view import png_file

    r = view.get_replay(ROOT / "checkpoints", replay)
    rng = random.Random(seed)
    folder = tempfile.mkdtemp(prefix="replay-latency-")
    out = []
    for phase in ("cold", "warm"):
        if phase == "cold":
            view.FRAMES.clear()
            view.BACKGROUNDS.clear()
        else:  # every frame in the cache, as after the tab's prerender
            for i in range(r.n_frames):
                view.frame_pngs(r, i)
        frames = [rng.randrange(r.n_frames) for _ in range(n)] if phase == "warm" else \
            rng.sample(range(r.n_frames), min(n, r.n_frames))
        times = []
        for i in frames:
            t0 = time.perf_counter()
            picture, curves = view.frame_pngs(r, view.frame_index(r, r.steps[i]))
            png_file(picture, folder), png_file(curves, folder), view.metric_line(r, i)
            times.append((time.perf_counter() - t0) * 1000)
        out.append(_summary(f"handler-{phase}", replay, times))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running app; default: start app.py in a subprocess")
    ap.add_argument("--replays", nargs="+", default=["ring8", "ring8-collapse", "digits", "mnist5k"])
    ap.add_argument("-n", type=int, default=60, help="clicks per replay once its frames are drawn")
    ap.add_argument("--first", type=int, default=20, help="clicks per replay while its frames are being drawn")
    ap.add_argument("--settle-s", type=float, default=30.0, help="seconds between the two phases")
    ap.add_argument("--limit-ms", type=float, default=150.0, help="p95 budget; exit 1 when a warm phase misses it")
    ap.add_argument("--methods", nargs="+", default=["browser"], choices=["browser", "handler"])
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args(argv)

    results = []
    if "handler" in args.methods:
        results += [r for name in args.replays for r in measure_handler(name, n=args.n)]
    if "browser" in args.methods:
        proc, url = (None, args.url) if args.url else launch_app(ROOT / "checkpoints")
        try:
            results += [r for name in args.replays
                        for r in measure_browser(url, name, n_first=args.first, n_warm=args.n, settle_s=args.settle_s)]
        finally:
            stop_app(proc)
    print_report(run_info(args.limit_ms, results), args.json, "click on the track -> new picture and curves shown, ms",
                 ("phase", 15), 16)
    return 0 if all(r["p95_ms"] < args.limit_ms for r in results if r["method"] == "warm") else 1


if __name__ == "__main__":
    sys.exit(main())
