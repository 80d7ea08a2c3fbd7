"""The Train tab in a real headless Chromium: press Start and watch a GAN learn.

For ring8 (2D field) and digits (sample grid): the status line's step count rises, the loss plot
and the picture are redrawn while it trains, and closing the page ends the run. Screenshots at
1280x800 and at 800 px wide go to tests/artifacts. The page draws both itself (ui/live_view): what
it drew is read from the live view's data attributes (the step a picture shows, the history rows
the curves show).
"""

from __future__ import annotations

import re

import pytest

from conftest import poll_until, shown_step

expect = pytest.importorskip("playwright.sync_api").expect


PICTURE, CURVES = "#live-picture .gl-picture", "#live-curves .gl-curves-box"


def drawn_step(page) -> str | None:
    """The step of the picture the page drew last (None before it drew one)."""
    return page.locator(PICTURE).get_attribute("data-drawn-step")


def train_and_watch(page, dataset: str, artifacts) -> None:
    """Start, then see the step count rise and the curves and picture change; screenshots; pause."""
    drawn = page.locator("#live-picture img.gl-samples" if dataset == "digits" else "#live-picture canvas.gl-field")
    curves, rows = page.locator("#live-curves canvas.gl-curves"), page.locator(CURVES)
    page.locator("#start").click()
    status = page.locator("#status")
    expect(status).to_contain_text("running", timeout=30_000)
    expect(status).to_contain_text(dataset)
    assert poll_until(lambda: shown_step(page) > 0, timeout_s=40, every_s=0.5), "the step count never left 0"
    expect(drawn).to_be_visible(timeout=15_000)
    expect(curves).to_be_visible(timeout=15_000)
    expect(page.locator(PICTURE)).to_have_attribute("data-drawn-step", re.compile(r"\d+"), timeout=15_000)
    expect(rows).to_have_attribute("data-rows", re.compile(r"[1-9]\d*"), timeout=15_000)
    first_step, first_picture, first_rows = shown_step(page), drawn_step(page), rows.get_attribute("data-rows")
    first_src = drawn.get_attribute("src") if dataset == "digits" else None
    assert poll_until(lambda: shown_step(page) > first_step + 10,
                      timeout_s=40, every_s=0.5), "the step count stopped rising"
    assert poll_until(lambda: drawn_step(page) != first_picture,
                      timeout_s=40, every_s=0.5), "the picture was not redrawn"
    if first_src is not None:  # the sample grid: a new image
        assert drawn.get_attribute("src") != first_src
    assert poll_until(lambda: rows.get_attribute("data-rows") != first_rows,
                      timeout_s=40, every_s=0.5), "the curves were not redrawn"
    page.screenshot(path=str(artifacts / f"train_{dataset}_1280.png"), full_page=True)
    page.set_viewport_size({"width": 800, "height": 800})
    page.screenshot(path=str(artifacts / f"train_{dataset}_800.png"), full_page=True)
    page.locator("#pause").click()
    expect(status).to_contain_text("paused")


def close_and_check_run_ended(page, registry, before: int, monkeypatch) -> None:
    """The tab goes -> its heartbeat ends -> demo.unload: the browser's run waits reconnect_s for a reload
    (1 s here, 60 s in the app), then the reaper closes it."""
    monkeypatch.setattr(registry, "reconnect_s", 1.0)
    page.context.close()
    assert poll_until(lambda: len(registry) == before,
                      timeout_s=30, every_s=0.5), "the closed page's run was not closed"


def test_ring8_field_trains_live(app_server, page, artifacts, fast_unload, monkeypatch):
    demo, url = app_server
    before = len(demo.ctx.registry)
    page.goto(url)
    expect(page.locator("#tab-train")).to_be_visible(timeout=30_000)
    expect(page.locator("#preset input")).to_have_value("ring8")
    train_and_watch(page, "ring8", artifacts)
    # the field's layers are toggleable: hiding D's heat map redraws the picture without it
    field = page.locator("#live-picture canvas.gl-field")
    all_layers = field.evaluate("c => c.toDataURL()")
    expect(page.locator(PICTURE)).to_have_attribute("data-layers", "arrows,fake,heat,manifold,real")
    page.locator("#live-picture .gl-layers").get_by_label("D's heat map").uncheck()
    expect(page.locator(PICTURE)).to_have_attribute("data-layers", "arrows,fake,manifold,real", timeout=15_000)
    assert field.evaluate("c => c.toDataURL()") != all_layers
    close_and_check_run_ended(page, demo.ctx.registry, before, monkeypatch)


def test_digits_grid_trains_live(app_server, page, artifacts, fast_unload, monkeypatch):
    demo, url = app_server
    before = len(demo.ctx.registry)
    page.goto(url)
    page.locator("#preset input").click()
    page.get_by_role("option", name="digits", exact=True).click()
    expect(page.locator("#dataset input")).to_have_value("digits", timeout=15_000)
    expect(page.locator("#live-picture img.gl-samples")).to_be_visible(timeout=15_000)  # the untrained G's grid
    expect(page.locator("#live-picture .gl-layers")).to_be_hidden()  # no 2D field for images
    expect(page.locator("#live-picture canvas.gl-field")).to_be_hidden()
    train_and_watch(page, "digits", artifacts)
    close_and_check_run_ended(page, demo.ctx.registry, before, monkeypatch)


def test_the_first_screen_at_1280x800_has_the_buttons_and_the_field(app_server, page):
    """Issue #26: at 1280x800 the Step button and the field did not fit on one screen, and one step per
    click (the default then) showed no visible change: the default is 10."""
    _, url = app_server
    page.goto(url)
    field = page.locator("#live-picture canvas.gl-field")
    expect(field).to_be_visible(timeout=30_000)
    for selector in ("#start", "#step", "#step-count", "#slow-motion", "#live-picture canvas.gl-field"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 800 and box["x"] + box["width"] <= 1280, \
            f"{selector} is not on the first screen: {box}"
    expect(page.locator("#step-count input")).to_have_value("10")
    page.locator("#step").click()
    expect(page.locator(PICTURE)).to_have_attribute("data-drawn-step", "10", timeout=60_000)
    expect(page.locator("#live-curves .gl-curves-box")).to_have_attribute("data-rows", re.compile(r"[1-9]\d*"),
                                                                          timeout=15_000)
