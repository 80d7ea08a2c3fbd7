"""The "Why GANs are hard" tab in a real headless Chromium: every slider redraws its pictures and numbers.

Screenshots at 1280 and 390 px wide go to tests/artifacts (scripts/screenshot_theory.py writes the
ones in docs/).
"""

from __future__ import annotations

import pytest

from conftest import open_tab

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def open_theory_tab(page, url: str) -> None:
    open_tab(page, url, "Why GANs are hard", "tab-theory")
    expect(page.locator("#theory-jsd-plot img")).to_be_visible(timeout=20_000)  # pictures lower down load lazily


def set_slider(page, elem_id: str, value: float) -> None:
    """Type into the slider's number box, as a student can (the range thumb follows)."""
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def redraws(page, elem_ids: list[str], numbers_id: str, action) -> str:
    """Run `action`; every picture's src and the numbers must change. Returns the new numbers."""
    images = [page.locator(f"#{i} img") for i in elem_ids]
    before = [im.get_attribute("src") for im in images]
    numbers = page.locator(f"#{numbers_id}")
    text = numbers.inner_text()
    action()
    for im, src in zip(images, before):
        expect(im).not_to_have_attribute("src", src, timeout=15_000)
    expect(numbers).not_to_have_text(text, timeout=15_000)
    return numbers.inner_text()


def test_divergence_sliders_redraw(app_server, page, artifacts):
    _, url = app_server
    open_theory_tab(page, url)
    pics = ["theory-jsd-plot", "theory-jsd-curves"]
    expect(page.locator("#theory-jsd-numbers")).to_contain_text("They overlap")  # the default: mean 2
    text = redraws(page, pics, "theory-jsd-numbers", lambda: set_slider(page, "theory-g-mean", 4.5))
    assert "sits at log 2" in text and "W1 = 4.500" in text
    redraws(page, pics, "theory-jsd-numbers", lambda: set_slider(page, "theory-g-std", 1.2))
    text = redraws(page, pics, "theory-jsd-numbers",
                   lambda: page.locator("#theory-shape").get_by_text("uniforms").click())
    assert "JSD(p_data ‖ p_g) = 0." in text
    text = redraws(page, pics, "theory-jsd-numbers", lambda: set_slider(page, "theory-g-mean", 0))
    assert "G matches p_data" not in text  # same mean, different spread: still apart
    page.screenshot(path=str(artifacts / "theory_1280.png"), full_page=True)


def test_g_loss_slider_redraws(app_server, page):
    _, url = app_server
    open_theory_tab(page, url)
    expect(page.locator("#theory-gloss-numbers")).to_contain_text("confidently rejects")
    text = redraws(page, ["theory-gloss-plot", "theory-ggrad-plot"], "theory-gloss-numbers",
                   lambda: set_slider(page, "theory-dgz", 0.7))
    assert "D is fooled" in text and "0.700" in text


def test_dirac_controls_redraw_and_a_click_moves_the_start(app_server, page):
    _, url = app_server
    open_theory_tab(page, url)
    pics, numbers = ["theory-dirac-plot", "theory-distance-plot"], "theory-numbers"
    expect(page.locator(f"#{numbers}")).to_contain_text("spiral out")
    text = redraws(page, pics, numbers, lambda: page.locator("#theory-objective").get_by_text("GAN + R1").click())
    assert "R1 (γ/2 ψ² on D)" in text and "eigenvalues at (0, 0): -0.5 and -0.5" in text  # gamma = 1: double, -1/2
    text = redraws(page, pics, numbers, lambda: set_slider(page, "theory-gamma", 0.4))
    assert "-0.2 − 0.458i and -0.2 + 0.458i" in text  # l^2 + gamma l + 1/4 = 0
    redraws(page, pics, numbers, lambda: set_slider(page, "theory-lr", 0.5))
    redraws(page, pics, numbers, lambda: page.locator("#theory-objective").get_by_text("instance noise").click())
    text = redraws(page, pics, numbers, lambda: set_slider(page, "theory-sigma", 1.0))
    assert "eigenvalues at (0, 0): -0.25 − " in text  # real part -sigma^2 / 4

    theta = page.locator("#theory-start-theta input[type=number]")
    before = theta.input_value()
    picture = page.locator("#theory-dirac-plot img")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()

    def click_lower_left():  # inside the axes, away from the start point (1, 1)
        page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.6 * box["height"])

    redraws(page, pics, numbers, click_lower_left)
    expect(theta).not_to_have_value(before)
    assert float(theta.input_value()) < 0


def test_the_tab_reads_at_390_px(app_server, browser, artifacts):
    _, url = app_server
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = ctx.new_page()
    try:
        open_theory_tab(page, url)
        for elem_id in ("theory-jsd-plot", "theory-jsd-curves", "theory-gloss-plot", "theory-ggrad-plot",
                        "theory-dirac-plot", "theory-distance-plot", "theory-numbers", "theory-g-mean"):
            element = page.locator(f"#{elem_id}")
            element.scroll_into_view_if_needed()
            if elem_id.endswith("plot") or elem_id.endswith("curves"):
                expect(element.locator("img")).to_be_visible()
            box = element.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, elem_id  # nothing cut off at the side
            assert box["width"] >= 300, elem_id  # stacked, full width: still readable
        set_slider(page, "theory-g-mean", 3.5)
        expect(page.locator("#theory-jsd-numbers")).to_contain_text("W1 = 3.500", timeout=15_000)
        page.screenshot(path=str(artifacts / "theory_390.png"), full_page=True)
    finally:
        ctx.close()
