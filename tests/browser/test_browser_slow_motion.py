"""Slow motion on the Train tab in a real headless Chromium (ui/train/slow_motion.py).

ring8 (the class's batched run): the ten captions play in order, then the live picture is back and
the status line's step is one higher (100 Step-ed steps, then 101). digits (a run in a process of
its own): Skip goes straight to the end. A running run is asked to pause first. Screenshots
(mid-play, 1280 and 390 px) go to tests/artifacts; docs/screenshot-slow-motion.png is the 1280 px one.
"""

from __future__ import annotations

import re

import pytest

from conftest import poll_until, shown_step

expect = pytest.importorskip("playwright.sync_api").expect
PHASE_TIMEOUT_MS = 20_000  # a phase shows for 1.25 s; the margin is for a busy 2-core machine


def test_slow_motion_plays_ten_captions_in_order_and_the_step_is_one_higher(app_server, page, artifacts,
                                                                            fast_unload):
    demo, url = app_server
    page.goto(url)
    expect(page.locator("#tab-train")).to_be_visible(timeout=30_000)
    expect(page.locator("#preset input")).to_have_value("ring8")
    assert shown_step(page) == 0
    page.locator("#step-count input").click()  # train 100 steps first: a picture with something to see
    page.get_by_role("option", name="100", exact=True).click()
    page.locator("#step").click()
    assert poll_until(lambda: shown_step(page) == 100), page.locator("#status").inner_text()
    caption, picture = page.locator("#slow-motion-caption"), page.locator("#slow-motion-picture img")
    page.locator("#slow-motion").click()
    for phase in range(1, 11):  # each must show, in this order (a skipped one would time out here)
        expect(caption).to_contain_text(f"{phase}/10 ·", timeout=PHASE_TIMEOUT_MS)
        if phase == 1:
            expect(picture).to_be_visible()
            expect(page.locator("#live-picture")).to_be_hidden()  # the phase's picture takes the live one's place
            expect(page.locator("#slow-motion-skip")).to_be_visible()
            expect(caption).to_be_in_viewport()  # (issue #26: pressing the button scrolled it out of view)
        if phase == 9:  # G's gradients: the arrows are on the picture
            expect(caption).to_contain_text("arrows")
            page.screenshot(path=str(artifacts / "slow_motion_1280.png"), full_page=True)
    expect(caption).to_contain_text("Slow motion done", timeout=PHASE_TIMEOUT_MS)
    expect(page.locator("#live-picture canvas.gl-field")).to_be_visible()
    expect(picture).to_be_hidden()
    assert poll_until(lambda: shown_step(page) == 101, timeout_s=15, every_s=0.5), page.locator("#status").inner_text()
    assert re.search(r"step 101\b", caption.inner_text())

    # a running run is not slowed: it says to pause first
    page.locator("#start").click()
    expect(page.locator("#status")).to_contain_text("running", timeout=30_000)
    page.locator("#slow-motion").click()
    expect(caption).to_contain_text("Pause the run first", timeout=15_000)
    page.locator("#pause").click()
    expect(page.locator("#status")).to_contain_text("paused", timeout=15_000)


def test_slow_motion_on_images_and_skip(app_server, page, artifacts, fast_unload):
    demo, url = app_server
    page.goto(url)
    page.locator("#preset input").click()
    page.get_by_role("option", name="digits", exact=True).click()
    expect(page.locator("#dataset input")).to_have_value("digits", timeout=15_000)
    caption = page.locator("#slow-motion-caption")
    page.locator("#slow-motion").click()
    expect(caption).to_contain_text("2/10 · D scores real and fake", timeout=60_000)  # (a new run process first)
    expect(page.locator("#slow-motion-picture img")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "slow_motion_digits_390.png"), full_page=True)
    page.locator("#slow-motion-skip").click()
    expect(caption).to_contain_text("Slow motion done", timeout=PHASE_TIMEOUT_MS)
    expect(page.locator("#slow-motion-skip")).to_be_hidden()
    assert poll_until(lambda: shown_step(page) == 1, timeout_s=15, every_s=0.5), page.locator("#status").inner_text()
