"""docs/screenshot-train.png (1280 px) and docs/screenshot-train-mobile.png (390 px, 3x pixels, touch):
the Train tab's live view, drawn in the browser, a few seconds into a ring8 run.

    python scripts/screenshot_train.py [--port 7954] [--steps 1500]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=7954)
    p.add_argument("--steps", type=int, default=1500, help="the step to take the picture at (at least)")
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshot-train.png"))
    p.add_argument("--mobile-out", default=str(ROOT / "docs" / "screenshot-train-mobile.png"))
    args = p.parse_args()

    from playwright.sync_api import expect, sync_playwright

    from app import build_demo, launch_options

    demo = build_demo()
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=args.port, quiet=True,
                            **launch_options(demo))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            for out, size, scale, touch in ((args.out, (1280, 1000), 1, False), (args.mobile_out, (390, 844), 3, True)):
                page = browser.new_context(viewport={"width": size[0], "height": size[1]}, device_scale_factor=scale,
                                           has_touch=touch, is_mobile=touch, reduced_motion="reduce").new_page()
                page.goto(url)
                expect(page.locator("#start")).to_be_visible(timeout=60_000)
                page.locator("#start").click()
                picture = page.locator("#live-picture .gl-picture")
                page.wait_for_function(f"() => +document.querySelector('#live-picture .gl-picture')"
                                       f".dataset.drawnStep >= {args.steps}", timeout=120_000)
                page.locator("#pause").click()
                expect(picture).to_have_attribute("data-status", "paused", timeout=30_000)
                page.wait_for_timeout(1500)  # the curves' last redraw (at most every 0.5 s)
                if touch:
                    picture.scroll_into_view_if_needed()
                    page.screenshot(path=out, full_page=False)
                else:
                    page.screenshot(path=out, full_page=False)
                print("wrote", out)
                page.context.close()
            browser.close()
    finally:
        demo.close()


if __name__ == "__main__":
    main()
