"""Screenshots of the "Why GANs are hard" tab, and how fast its sliders answer, in headless Chromium.

    python scripts/theory_screens.py                 # docs/screenshot-theory.png (1280 px), -mobile.png (390 px)
    python scripts/theory_screens.py --latency 20    # also: 20 moves per section, change -> new picture shown

Latency is measured in the page: one script sets a slider's number box and fires its `input` event,
then polls each animation frame until the section's picture has a new src that has finished loading.
That is the whole path a student waits for: the event, the numpy maths, matplotlib, PNG encoding,
the download and the decode (frame polling adds up to ~16 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

MOVE_AND_WAIT = """async ([slider, value, picture]) => {
  const box = document.querySelector(`#${slider} input[type=number]`);
  const before = document.querySelector(`#${picture} img`).src;
  const t0 = performance.now();
  box.value = String(value);
  box.dispatchEvent(new Event("input", {bubbles: true}));
  return await new Promise(done => {
    const look = () => {
      const img = document.querySelector(`#${picture} img`);
      if (img && img.src !== before && img.complete && img.naturalWidth) done(performance.now() - t0);
      else if (performance.now() - t0 > 20000) done(-1);
      else requestAnimationFrame(look);
    };
    look();
  });
}"""
SECTIONS = [("theory-g-mean", (-4.5, 4.5), "theory-jsd-plot"), ("theory-dgz", (0.01, 0.99), "theory-gloss-plot"),
            ("theory-lr", (0.05, 0.6), "theory-dirac-plot")]


def open_tab(page, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("#tabs")).to_be_visible(timeout=30_000)
    tab = page.get_by_role("tab", name="Why GANs are hard")
    if tab.count():
        tab.click()
    else:
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text="Why GANs are hard").click()
    expect(page.locator("#theory-jsd-plot img")).to_be_visible(timeout=20_000)


def show_everything(page) -> None:
    """Scroll through the tab so the lazily loaded pictures are all there before a full-page shot."""
    for elem_id in ("theory-jsd-curves", "theory-ggrad-plot", "theory-dirac-plot", "theory-distance-plot"):
        page.locator(f"#{elem_id}").scroll_into_view_if_needed()
        page.locator(f"#{elem_id} img").wait_for(state="visible")
    page.evaluate("window.scrollTo(0, 0)")


def latency(page, n: int, seed: int = 0) -> dict[str, list[float]]:
    rng = random.Random(seed)
    out = {}
    for slider, (lo, hi), picture in SECTIONS:
        page.locator(f"#{picture}").scroll_into_view_if_needed()
        times, value = [], float(page.locator(f"#{slider} input[type=number]").input_value())
        for _ in range(n):
            last = value
            while value == last:  # the same value again would fire no change
                value = round(rng.uniform(lo, hi), 2)
            ms = page.evaluate(MOVE_AND_WAIT, [slider, value, picture])
            if ms < 0:
                raise RuntimeError(f"{slider}: no new picture within 20 s")
            times.append(ms)
        out[slider] = times
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--latency", type=int, default=0, help="moves per section to time (0: none)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from app import build_demo
    from ui.theme import CSS

    from conftest import CHROMIUM, CHROMIUM_ARGS

    demo = build_demo()
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, css=CSS)
    out = Path(args.out)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name, width, scale in (("screenshot-theory.png", 1280, 1), ("screenshot-theory-mobile.png", 390, 2)):
                ctx = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=scale)
                page = ctx.new_page()
                open_tab(page, url)
                show_everything(page)
                page.screenshot(path=str(out / name), full_page=True)
                print(f"wrote {out / name}")
                if args.latency and width == 1280:
                    for slider, times in latency(page, args.latency).items():
                        q = statistics.quantiles(times, n=20)
                        print(f"{slider:<16} n={len(times)}  median {statistics.median(times):.0f} ms  "
                              f"p95 {q[18]:.0f} ms  max {max(times):.0f} ms")
                ctx.close()
            browser.close()
    finally:
        demo.ctx.registry.shutdown()
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
