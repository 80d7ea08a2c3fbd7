"""A student's run belongs to their browser (#26): a reload, Back/Forward or the same link in a second
tab finds the same run, with its settings, instead of "no run yet · step 0" and a new board tile."""

from __future__ import annotations

import pytest

from conftest import poll_until, shown_step

expect = pytest.importorskip("playwright.sync_api").expect
WAIT = 30_000


def leave_nothing_behind(registry, contexts, monkeypatch) -> None:
    """Close the pages, and let their runs go at once (no reload is coming): the app is shared by the
    tests after this one, and a run left waiting would hold a place in the class process for 60 s."""
    before = len(registry)
    monkeypatch.setattr(registry, "reconnect_s", 0.0)
    for context in contexts:
        context.close()
    assert poll_until(lambda: len(registry) < before or before == 0, timeout_s=30)


def test_reload_back_and_a_second_tab_keep_the_run(app_server, browser, artifacts, fast_unload, monkeypatch):
    demo, url = app_server
    registry = demo.ctx.registry
    monkeypatch.setattr(registry, "reconnect_s", 60.0)  # the app's own grace (the test app's is shorter)
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # one browser: one localStorage
    page = context.new_page()
    page.goto(url + "?preset=ring8-collapse")
    expect(page.locator("#preset input")).to_have_value("ring8-collapse", timeout=WAIT)
    page.locator("#start").click()
    expect(page.locator("#status")).to_contain_text("running", timeout=WAIT)
    assert poll_until(lambda: shown_step(page) > 200, timeout_s=60, every_s=0.5)
    page.locator("#pause").click()
    expect(page.locator("#status")).to_contain_text("paused", timeout=WAIT)
    held = shown_step(page)
    runs = len(registry)

    page.reload()  # the same run, paused where it was, and its preset back in the menu
    expect(page.locator("#status")).to_contain_text(f"step {held:,}", timeout=WAIT)
    expect(page.locator("#preset input")).to_have_value("ring8-collapse", timeout=WAIT)
    expect(page.locator("#notice")).to_contain_text("Welcome back")
    page.screenshot(path=str(artifacts / "reconnect_after_reload_1280.png"))
    page.locator("#start").click()  # Start goes on with it: the step count goes on from where it was
    assert poll_until(lambda: shown_step(page) > held + 50, timeout_s=60, every_s=0.5)
    page.locator("#pause").click()
    expect(page.locator("#status")).to_contain_text("paused", timeout=WAIT)
    held = shown_step(page)

    page.goto(url + "?tab=theory")  # away, then Back
    page.go_back()
    expect(page.locator("#status")).to_contain_text(f"step {held:,}", timeout=WAIT)

    second = context.new_page()  # the same link in a second tab takes the run over: still one run
    second.goto(url + "?preset=ring8-collapse")
    expect(second.locator("#status")).to_contain_text(f"step {held:,}", timeout=WAIT)
    assert poll_until(lambda: len(registry) <= runs, timeout_s=30)
    leave_nothing_behind(registry, [context], monkeypatch)


def test_another_browser_does_not_get_the_run(app_server, browser, fast_unload, monkeypatch):
    demo, url = app_server
    first = browser.new_context()
    page = first.new_page()
    page.goto(url)
    page.locator("#start").click()
    assert poll_until(lambda: shown_step(page) > 10, timeout_s=60, every_s=0.5)
    other = browser.new_context().new_page()  # another browser: its own token, its own (no) run
    other.goto(url)
    expect(other.locator("#status")).to_be_visible(timeout=WAIT)
    other.wait_for_timeout(2000)  # (nothing to poll for: it must stay without a run)
    assert shown_step(other) in (-1, 0)
    page.locator("#pause").click()
    leave_nothing_behind(demo.ctx.registry, [other.context, first], monkeypatch)
