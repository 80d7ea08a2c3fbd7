"""docs/phenomena/<preset>.png: the Train tab's live view of each 2D phenomenon preset and its cure, opened
by its lesson's link (`?lesson=<key>&step=N`) and trained in the browser to the step the picture is taken
at; and the diagnostics tab's nearest training images of the shipped `memorise` checkpoint.

    python scripts/screenshot_phenomena.py [--port 7955] [--only saturation clipping]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "phenomena"
# lesson key -> the step to take the picture of each of its first two steps at (the phenomenon, its cure)
TRAIN_SHOTS = {"saturation": 1400, "clipping": 450, "oscillation": 1500, "d-wins": 500}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=7955)
    p.add_argument("--only", nargs="*", default=[*TRAIN_SHOTS, "memorisation"])
    args = p.parse_args()

    from playwright.sync_api import expect, sync_playwright

    from app import build_demo, launch_options
    from ui.lessons.catalogue import LESSONS

    OUT.mkdir(parents=True, exist_ok=True)
    demo = build_demo()
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=args.port, quiet=True,
                            **launch_options(demo))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            for key in args.only:
                for i, step in enumerate(LESSONS[key].steps):
                    if step.tab != "train" and key != "memorisation":
                        continue
                    page = browser.new_context(viewport={"width": 1280, "height": 1100},
                                               reduced_motion="reduce").new_page()
                    page.goto(f"{url}?lesson={key}&step={i + 1}")
                    if step.tab == "train":
                        expect(page.locator("#preset input")).to_have_value(step.preset, timeout=60_000)
                        page.locator("#start").click()
                        page.wait_for_function(
                            "() => +document.querySelector('#live-picture .gl-picture').dataset.drawnStep >= "
                            f"{TRAIN_SHOTS.get(key, 300)}", timeout=900_000)
                        page.locator("#pause").click()
                        expect(page.locator("#live-picture .gl-picture")).to_have_attribute(
                            "data-status", "paused", timeout=30_000)
                        page.wait_for_timeout(1500)  # the curves' last redraw (at most every 0.5 s)
                        out = OUT / f"{step.preset}.png"
                    else:  # the diagnostics tab on the shipped memorise checkpoint
                        expect(page.locator("#diag-source")).to_be_visible(timeout=60_000)
                        page.locator("#diag-source input").fill("memorise")
                        page.keyboard.press("Enter")
                        page.locator("#diag-run").click()
                        expect(page.locator("#diag-nearest img")).to_be_visible(timeout=300_000)
                        page.locator("#diag-nearest").scroll_into_view_if_needed()
                        out = OUT / f"memorise-diagnostics-step{i + 1}.png"
                    page.screenshot(path=str(out), full_page=True)
                    print("wrote", out, flush=True)
                    page.context.close()
            browser.close()
    finally:
        demo.close()


if __name__ == "__main__":
    main()
