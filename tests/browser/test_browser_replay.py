"""The Replays tab in a real headless Chromium: the slider (elem_id `replay-slider`) scrubs a shipped
replay, another replay can be picked, Play moves on by itself; and it reads at 390 px with touch.
Screenshots go to tests/artifacts."""

from __future__ import annotations

import re

import pytest

from conftest import open_tab

expect = pytest.importorskip("playwright.sync_api").expect


def open_replays_tab(page, url: str) -> None:
    open_tab(page, url, "Replays", "tab-replays")
    expect(page.locator("#replay-image img")).to_be_visible(timeout=30_000)


def scrub_to(page, where: float, touch: bool = False) -> None:
    """Click (or tap) a point of the slider's track, `where` from 0 (left) to 1 (right)."""
    track = page.locator("#replay-slider input[type=range]")
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    x, y = box["x"] + box["width"] * where, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y) if touch else page.mouse.click(x, y)


def test_the_slider_scrubs_a_shipped_replay(app_server, page, artifacts):
    _, url = app_server
    open_replays_tab(page, url)
    step = page.locator("#replay-step")
    image, curves = page.locator("#replay-image img"), page.locator("#replay-curves img")
    expect(step).to_contain_text("Step 0 of 4,000", timeout=20_000)  # ring8 opens at step 0
    expect(step).to_contain_text("modes covered")
    before_image, before_curves = image.get_attribute("src"), curves.get_attribute("src")
    scrub_to(page, 0.6)
    expect(step).not_to_contain_text("Step 0 of", timeout=10_000)
    shown = int(re.search(r"Step ([\d,]+) of", step.inner_text()).group(1).replace(",", ""))
    assert 2000 <= shown <= 2800 and shown % 50 == 0  # a recorded frame near 60% of 4,000 steps
    expect(image).not_to_have_attribute("src", before_image, timeout=10_000)
    expect(curves).not_to_have_attribute("src", before_curves)
    expect(page.locator("#replay-slider input[type=number]")).to_have_value(str(shown))
    page.screenshot(path=str(artifacts / "replay_ring8_1280.png"), full_page=True)

    # another replay: the slider's range follows it (mnist5k: 3,000 steps), the step is kept
    page.locator("#replay-source input").click()
    page.get_by_role("option", name=re.compile(r"^mnist5k:")).click()
    expect(step).to_contain_text("of 3,000", timeout=20_000)
    expect(step).to_contain_text("digit classes")
    page.locator("#replay-slider input[type=range]").press("End")  # the keyboard scrubs too
    expect(step).to_contain_text("Step 3,000 of 3,000", timeout=10_000)
    expect(page.locator("#replay-slider input[type=number]")).to_have_value("3000")

    # Play from the end starts again at 0 and moves on by itself; Pause stops it
    page.locator("#replay-play").click()
    expect(page.locator("#replay-play")).to_contain_text("Pause", timeout=10_000)
    expect(step).to_contain_text(re.compile(r"Step (40|80|120|160|200|240|280|320) of"), timeout=15_000)
    page.locator("#replay-play").click()
    expect(page.locator("#replay-play")).to_contain_text("Play", timeout=10_000)
    page.screenshot(path=str(artifacts / "replay_mnist5k_1280.png"), full_page=True)


def test_the_tab_reads_at_390_px_with_touch(app_server, browser, artifacts):
    _, url = app_server
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True,
                              is_mobile=True)
    page = ctx.new_page()
    try:
        open_replays_tab(page, url)
        step = page.locator("#replay-step")
        expect(step).to_contain_text("Step 0 of", timeout=20_000)
        scrub_to(page, 0.3, touch=True)
        expect(step).not_to_contain_text("Step 0 of", timeout=10_000)
        for elem_id in ("replay-slider", "replay-image", "replay-curves", "replay-source"):
            box = page.locator(f"#{elem_id}").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, elem_id  # nothing cut off at the side
        page.screenshot(path=str(artifacts / "replay_390.png"), full_page=True)
    finally:
        ctx.close()
