"""The Train flow and the Latent tab from the keyboard alone (issue #26, item 6), in a real Chromium.

Gradio 6 sends a dropdown's `input` on every blur, so tabbing past the Dataset menu loaded ring8 over
ring8-collapse (ui/dropdown_pick.py); its keydown handler opened a list again after Tab had left it;
a slider moved with the arrow keys sent no `release` (the Latent image stayed); its radios are not one
group, so the arrow keys did not move the Step trains choice (ui/a11y.js mends the last three).
"""

from __future__ import annotations

import pytest

from conftest import poll_until

expect = pytest.importorskip("playwright.sync_api").expect


def open_lists(page) -> list[str]:
    """The ids of the dropdown lists drawn on the page now."""
    return page.evaluate("""() => [...document.querySelectorAll('[role="listbox"]')]
        .filter((l) => l.getBoundingClientRect().height > 0).map((l) => l.id)""")


def test_tabbing_past_the_dropdowns_keeps_the_preset_and_closes_their_lists(app_server, page):
    _, url = app_server
    page.goto(url)
    preset, dataset = page.locator("#preset input"), page.locator("#dataset input")
    expect(preset).to_have_value("ring8", timeout=30_000)
    preset.click()
    page.get_by_role("option", name="ring8-collapse", exact=True).click()
    lr_g = page.locator("#lr-g input")
    expect(lr_g).to_have_value("0.02", timeout=15_000)  # ring8-collapse's G learning rate (ring8: 0.01)
    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if "queue/join" in r.url else None)
    def tab_to(*stops) -> None:  # Tab once per stop (a scrolling note on the way is a stop of its own)
        for stop in stops:
            page.keyboard.press("Tab")
            if page.evaluate("(document.activeElement.closest('[id]') || {}).id") == "preset-info":
                page.keyboard.press("Tab")
            expect(page.locator(f"#{stop}:focus, #{stop} :focus")).to_have_count(1)

    preset.focus()
    tab_to("start")  # past the Preset menu
    dataset.focus()
    tab_to("objective", "own-data")  # past the Dataset and Objective menus: one stop each, no list
    page.wait_for_timeout(1500)  # time for the blurs' events to come back
    expect(preset).to_have_value("ring8-collapse")
    expect(dataset).to_have_value("ring8")
    expect(lr_g).to_have_value("0.02")
    assert open_lists(page) == []  # no list left drawn over the form
    assert sent, "the blurs sent no event: the test no longer sees what it checks"
    # a pick made with the keyboard still counts
    dataset.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("spiral")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(preset).to_have_value("spiral", timeout=15_000)


def test_the_arrow_keys_move_the_step_trains_choice(app_server, page):
    _, url = app_server
    page.goto(url)
    radios = page.locator("#step-mode input[type=radio]")
    expect(radios.first).to_be_checked(timeout=30_000)  # "D and G"
    radios.first.focus()
    page.keyboard.press("ArrowRight")
    expect(radios.nth(1)).to_be_checked()  # "D only"
    expect(radios.nth(1)).to_be_focused()
    expect(page.locator("#step-mode label.selected")).to_have_text("D only")
    page.keyboard.press("ArrowDown")
    expect(radios.nth(2)).to_be_checked()  # "G only"
    page.keyboard.press("ArrowRight")
    expect(radios.nth(0)).to_be_checked()  # round again, as a radio group does
    page.keyboard.press("ArrowLeft")
    expect(radios.nth(2)).to_be_checked()


def test_an_arrow_key_on_a_latent_slider_changes_the_image(app_server, page):
    _, url = app_server
    page.goto(url)
    page.get_by_role("tab", name="Latent space").click()
    slider = page.locator("#latent-slider-0 input[type=range]")
    image = page.locator("#latent-image img")
    expect(slider).to_be_visible(timeout=30_000)
    expect(image).to_be_visible(timeout=30_000)
    before, value = image.get_attribute("src"), slider.input_value()
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert poll_until(lambda: slider.input_value() != value, timeout_s=5)
    expect(image).not_to_have_attribute("src", before, timeout=10_000)
    expect(slider).to_be_focused()  # (nothing took the focus away: the next key goes on from here)
