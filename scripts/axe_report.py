"""axe-core on every tab of the running app, at 1280 px and on a 390 px phone: writes docs/ACCESSIBILITY.md.

    python app.py &                      # (or any URL of the app)
    PYTHONPATH=. python scripts/axe_report.py --url http://127.0.0.1:7860/ [--out docs/ACCESSIBILITY.md]

Each tab as it first opens and settles (an output Gradio dims while its first event runs is asked again,
as tests/browser/test_browser_a11y.py does), then the Train tab once more while a run trains. Every
violation is listed with its impact, rule and first elements; the table counts them per tab and width.
The test suite holds the same line (no violation of any impact), so this report is the evidence, not the check.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

TABS = (("Train (live)", "tab-train"), ("Latent space", "tab-latent"), ("Mode-collapse diagnostics", "tab-diagnostics"),
        ("Replays", "tab-replays"), ("Why GANs are hard", "tab-theory"), ("Class board", "tab-board"))
WIDTHS = (1280, 390)
IMPACTS = ("critical", "serious", "moderate", "minor")


def open_tab(page, name: str) -> None:
    tab = page.get_by_role("tab", name=name)
    if tab.count() and tab.first.is_visible():
        tab.first.click()
    else:  # a phone folds the last tabs into a menu
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()


def settled_violations(page, axe, tries: int = 10) -> list[dict]:
    """axe's violations once the page has settled (asked again every 2 s while any are found, up to `tries`)."""
    found = []
    for _ in range(tries):
        found = axe.run(page).response["violations"]
        if not found:
            return []
        time.sleep(2)
    return found


def measure(url: str) -> dict:
    from axe_playwright_python.sync_playwright import Axe

    axe, results = Axe(), {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        version = browser.version
        for width in WIDTHS:
            ctx = browser.new_context(viewport={"width": width, "height": 900}, has_touch=width < 500,
                                      is_mobile=width < 500)
            page = ctx.new_page()
            page.goto(url)
            page.locator("#tabs").wait_for(timeout=60_000)
            for name, _ in TABS:
                open_tab(page, name)
                results[(name, width)] = settled_violations(page, axe)
            open_tab(page, TABS[0][0])
            page.locator("#start").click()
            page.wait_for_function("() => +document.querySelector('#live-picture .gl-picture').dataset.drawnStep > 0",
                                   timeout=60_000)
            results[("Train (live), training", width)] = settled_violations(page, axe)
            page.locator("#pause").click()
            ctx.close()
        browser.close()
    return {"results": results, "chromium": version}


def report(measured: dict) -> str:
    results = measured["results"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Accessibility: axe-core on every tab", "",
             f"Written by `scripts/axe_report.py` on {when} (app at {commit}; Chromium {measured['chromium']}, "
             "axe-core through `axe-playwright-python`). Every tab as it first opens, at 1280 px and on a 390 px "
             "touch phone, then the Train tab while a run trains. `tests/browser/test_browser_a11y.py` asks the same "
             "of every change (no violation of any impact).", "",
             "| tab | width | critical | serious | moderate | minor |", "| --- | --- | --- | --- | --- | --- |"]
    for (tab, width), found in results.items():
        counts = [sum(len(v["nodes"]) for v in found if v["impact"] == impact) for impact in IMPACTS]
        lines.append(f"| {tab} | {width} px | " + " | ".join(str(c) for c in counts) + " |")
    detail = [f"- {tab}, {width} px: **{v['impact']}** `{v['id']}` on {[n['target'] for n in v['nodes']][:3]}"
              for (tab, width), found in results.items() for v in found]
    lines += ["", "Counts are elements in violation. "
              + ("Every violation found:" if detail else "No violation of any impact was found."), ""] + detail
    lines += ["", "What was fixed for it (issue #26): contrast of at least 4.5:1 (`ui/theme.py`), names for "
              "Gradio's pictures in buttons and empty placeholders (`ui/a11y.js`), the live view's canvases as "
              "images with labels that say what they show, real checkboxes for the layers, board tiles that take "
              "focus and say their pile in words and a mark, the diagnostics' headings in order and its table's "
              "header named; keyboard use is tested in `tests/browser/test_browser_keyboard.py`."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:7860/")
    ap.add_argument("--out", type=Path, default=Path("docs/ACCESSIBILITY.md"))
    args = ap.parse_args()
    args.out.write_text(report(measure(args.url)))
    print(args.out.read_text())


if __name__ == "__main__":
    main()
