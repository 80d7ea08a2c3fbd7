"""The Latent space tab in a real headless Chromium: move a slider and see G(z) change.

An uploaded checkpoint (written here by the project's own save()) and this session's live run
are both used as sources; a broken upload must give a message and leave the tab working.
Screenshots at 1280x800 go to tests/artifacts.
"""

from __future__ import annotations

import pytest

from conftest import open_tab, poll_until, shown_step
from latent_checkpoints import make_checkpoints

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def upload_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("latent-upload")
    good = make_checkpoints(folder, ["digits"])["digits"].rename(folder / "latent-test-digits.safetensors")
    broken = folder / "broken.safetensors"
    broken.write_bytes(b"this is not a checkpoint" * 20)
    return good, broken


def open_latent_tab(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("tab", name="Latent space").click()
    expect(page.locator("#tab-latent")).to_be_visible(timeout=30_000)


def upload(page, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator("#latent-upload").click()
    chooser.value.set_files(str(path))


def release_slider_and_see_new_image(page, slider: int, where: float) -> None:
    """Click a point of a slider's track (pointer down + up = one release event); the image must change."""
    image = page.locator("#latent-image img")
    expect(image).to_be_visible(timeout=20_000)
    before = image.get_attribute("src")
    track = page.locator(f"#latent-slider-{slider} input[type=range]")
    box = track.bounding_box()
    page.mouse.click(box["x"] + box["width"] * where, box["y"] + box["height"] / 2)
    expect(image).not_to_have_attribute("src", before, timeout=10_000)


def test_slider_moves_the_image_of_an_uploaded_checkpoint(app_server, page, upload_files, artifacts):
    _, url = app_server
    good, broken = upload_files
    open_latent_tab(page, url)
    upload(page, good)
    status = page.locator("#latent-status")
    expect(status).to_contain_text("latent-test-digits", timeout=30_000)
    expect(page.locator("#latent-source input")).to_have_value("uploaded: latent-test-digits.safetensors")
    expect(page.locator("#latent-slider-7")).to_be_visible()  # nz = 32: 8 principal-direction sliders
    release_slider_and_see_new_image(page, 0, 0.9)
    release_slider_and_see_new_image(page, 1, 0.1)
    page.screenshot(path=str(artifacts / "latent_digits_1280.png"), full_page=True)

    # a broken upload: a message, and the tab keeps working with the model it had
    upload(page, broken)
    expect(status).to_contain_text("not a usable checkpoint", timeout=20_000)
    expect(status).to_contain_text("broken.safetensors")
    release_slider_and_see_new_image(page, 0, 0.2)

    # interpolation: both paths, the |z| plot and the GIF
    page.locator("#interpolate").click()
    expect(page.locator("#interp-frames #interp-lerp img")).to_be_visible(timeout=30_000)
    expect(page.locator("#interp-frames #interp-slerp img")).to_be_visible()
    expect(page.locator("#interp-gif")).to_contain_text(".gif", timeout=15_000)
    expect(page.locator("#interp-norms img")).to_be_visible(timeout=15_000)  # the |z| plot (matplotlib)
    page.locator("#latent-interp").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "latent_interpolation_1280.png"), full_page=True)


def test_the_run_being_trained_is_the_default_source(app_server, page, artifacts):
    demo, url = app_server
    page.goto(url)
    expect(page.locator("#preset input")).to_have_value("ring8", timeout=30_000)
    page.locator("#start").click()
    expect(page.locator("#status")).to_contain_text("running", timeout=30_000)
    assert poll_until(lambda: shown_step(page) >= 300, timeout_s=60, every_s=0.3)  # G has started to spread its points
    page.locator("#pause").click()
    expect(page.locator("#status")).to_contain_text("paused", timeout=15_000)
    page.get_by_role("tab", name="Latent space").click()
    expect(page.locator("#latent-status")).to_contain_text("this session's run", timeout=30_000)
    expect(page.locator("#latent-slider-1")).to_be_visible()  # ring8: nz = 2, one slider per coordinate
    expect(page.locator("#latent-slider-2")).to_be_hidden()
    release_slider_and_see_new_image(page, 0, 0.8)
    page.screenshot(path=str(artifacts / "latent_ring8_live_1280.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_tab_opens_on_mnist5k_and_its_strips_are_large(app_server, browser, width):
    """Issue #26: it opened on the pixelated 8x8 digits (the guides say mnist5k), and the lerp and slerp
    strips were ~60 px tall (8 frames in a row; now rows of 4)."""
    _, url = app_server
    ctx = browser.new_context(viewport={"width": width, "height": 844})
    page = ctx.new_page()
    try:
        open_tab(page, url, "Latent space", "tab-latent")
        expect(page.locator("#latent-source input")).to_have_value("mnist5k", timeout=30_000)
        expect(page.locator("#latent-status")).to_contain_text("mnist5k")
        page.locator("#interpolate").click()
        for strip in ("#interp-lerp img", "#interp-slerp img"):
            expect(page.locator(strip)).to_be_visible(timeout=30_000)
            assert page.locator(strip).bounding_box()["height"] >= 120, strip
    finally:
        ctx.close()
