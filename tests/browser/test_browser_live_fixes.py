"""A collapse fix switched on live, in a real Chromium (issue #17 §1): on a running ring8-collapse run,
turning unrolled D on in "Fixes you can switch on live" changes the run without a restart: the notice
says what changed, the status line shows the fix, and the step counter keeps rising from where it was
(the run of the class moves to the batched group of its unrolled k; with R1, which cannot be batched, to
the class process's solo lane, and back into a group when R1 is off again).
Screenshots at 1280 px and at 390 px (touch) go to tests/artifacts."""

from __future__ import annotations

import time

import pytest

from conftest import shown_step

expect = pytest.importorskip("playwright.sync_api").expect
WAIT = 30_000  # ms


def steps_seen(page, until, timeout: float = 60.0) -> list[int]:
    """The step counter as the page shows it, read every 0.3 s until `until(step)` (or the timeout)."""
    seen, deadline = [shown_step(page)], time.monotonic() + timeout
    while not until(seen[-1]) and time.monotonic() < deadline:
        time.sleep(0.3)
        seen.append(shown_step(page))
    return seen


def set_slider(page, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(value)
    box.press("Enter")


def test_unrolled_d_switched_on_live_keeps_the_run_going(app_server, browser, artifacts):
    _, url = app_server
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(url + "?preset=ring8-collapse")
        expect(page.locator("#preset input")).to_have_value("ring8-collapse", timeout=WAIT)
        expect(page.locator("#live-fixes")).to_be_visible()
        page.locator("#start").click()
        status = page.locator("#status")
        expect(status).to_contain_text("running", timeout=WAIT)
        assert steps_seen(page, lambda s: s >= 200)[-1] >= 200, "the collapsing run did not train"

        before = shown_step(page)
        set_slider(page, "unrolled-steps", "5")
        expect(page.locator("#notice")).to_contain_text("unrolled D (5 steps)", timeout=WAIT)
        expect(page.locator("#notice")).to_contain_text("Switched live at step")
        expect(status).to_contain_text("unrolled D 5", timeout=WAIT)
        expect(status).to_contain_text("batched with the class")  # a run of the class: the group of its k
        seen = steps_seen(page, lambda s: s >= before + 100)
        assert seen[-1] >= before + 100, f"the step counter stopped after the switch: {seen}"
        assert min(seen) >= before and seen == sorted(seen), f"the run restarted or went back: {seen}"
        expect(status).to_contain_text("running")
        page.screenshot(path=str(artifacts / "live_fixes_1280.png"), full_page=True)

        at = shown_step(page)
        set_slider(page, "r1-gamma", "1")  # R1 cannot be batched: the class process's solo lane
        expect(page.locator("#notice")).to_contain_text("R1 (gamma 1)", timeout=WAIT)
        expect(status).to_contain_text("stepped alone", timeout=WAIT)
        seen = steps_seen(page, lambda s: s >= at + 100)
        assert seen[-1] >= at + 100 and min(seen) >= at, f"the run stopped or went back with R1 on: {seen}"

        at = shown_step(page)
        set_slider(page, "r1-gamma", "0")  # off again: back into the class's batched step
        expect(page.locator("#notice")).to_contain_text("R1 off", timeout=WAIT)
        expect(status).to_contain_text("batched with the class", timeout=WAIT)
        assert steps_seen(page, lambda s: s >= at + 100)[-1] >= at + 100
        page.locator("#live-fixes").screenshot(path=str(artifacts / "live_fixes_controls_1280.png"))

        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#live-fixes").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "live_fixes_390.png"), full_page=False)
        page.locator("#pause").click()
    finally:
        ctx.close()


def test_a_fix_a_run_cannot_take_is_refused_with_a_sentence(app_server, browser):
    _, url = app_server
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = ctx.new_page()
    try:
        page.goto(url + "?preset=digits")
        expect(page.locator("#preset input")).to_have_value("digits", timeout=WAIT)
        page.locator("#step").click()  # a digits run (its D has BatchNorm), 10 steps (the default)
        expect(page.locator("#status")).to_contain_text("step 10", timeout=WAIT)
        set_slider(page, "r1-gamma", "1")
        expect(page.locator("#notice")).to_contain_text("Not applied", timeout=WAIT)
        expect(page.locator("#notice")).to_contain_text("BatchNorm")
        expect(page.locator("#status")).not_to_contain_text("R1 gamma")
    finally:
        ctx.close()
