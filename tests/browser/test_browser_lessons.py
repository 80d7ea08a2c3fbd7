"""Lessons and links in a real Chromium: a lesson link gives two browsers the same setup, "Share this setup"
round-trips every Train-tab setting, and a bad link shows notes, not an error. Screenshots of the lesson
panel at 1280 px and at 390 px (touch) go to tests/artifacts."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from gan_core.presets import get_preset
from ui.lessons.catalogue import LESSONS
from ui.lessons.url_state import page_setup, parse_query, share_query
from ui.train.settings import values_from_config

expect = pytest.importorskip("playwright.sync_api").expect
WAIT = 30_000  # ms: a step that changes the preset redraws the untrained G's picture (slow on a busy CPU)
LINK_BOX = "#share-link input, #share-link textarea"


def open_page(browser, link: str, width: int = 1280):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, has_touch=width < 500)
    page = ctx.new_page()
    page.goto(link)
    expect(page.locator("#tabs")).to_be_visible(timeout=WAIT)  # (which tab shows is the link's to say)
    return page


def shared_link(page) -> str:
    """Press Share; the link box then holds this page's address and the setup's query."""
    if not page.locator("#share").is_visible():  # the panel opens by itself only for a lesson or a note
        page.locator("#lesson").get_by_text("Lessons · share this setup").click()
    box = page.locator(LINK_BOX)
    box.fill("")
    page.locator("#share").click()
    expect(box).to_have_value(re.compile(r"^http"), timeout=WAIT)
    return box.input_value()


def setup_of(link: str):
    return page_setup(parse_query(parse_qsl(urlsplit(link).query, keep_blank_values=True)))


def selected_tab(page) -> str:
    return page.locator("button[role=tab][aria-selected=true]").first.get_attribute("data-tab-id")


def test_a_lesson_link_gives_two_browsers_the_same_setup(app_server, browser, artifacts):
    _, url = app_server
    n = len(LESSONS["collapse"].steps)
    link = url + "?lesson=collapse&step=3&lr_d=0.0005&room=abc"
    pages = [open_page(browser, link), open_page(browser, link)]
    for page in pages:
        expect(page.locator("#lesson-card")).to_contain_text("Fix 1: two time-scales", timeout=WAIT)
        expect(page.locator("#lesson-card")).to_contain_text(f"step 3 of {n}")
        expect(page.locator("#preset input")).to_have_value("ring8-collapse+ttur")
        expect(page.locator("#lr-d input")).to_have_value("0.0005")
        expect(page.locator("#url-note")).to_have_text("")  # `room` is another feature's: no note
        assert selected_tab(page) == "train"
    links = [shared_link(page) for page in pages]
    assert links[0] == links[1] == url + "?lesson=collapse&step=3&lr_d=0.0005"
    pages[0].screenshot(path=str(artifacts / "lesson_1280.png"))

    for page in pages:  # step 2 opens the diagnostics tab, step 4 is the minibatch std-dev fix
        page.locator("#lesson-prev").click()
        expect(page.locator("#lesson-card")).to_contain_text(f"step 2 of {n}", timeout=WAIT)
        expect(page.locator("#tab-diagnostics")).to_be_visible()
        assert selected_tab(page) == "diagnostics"
        for step in (3, 4):  # (a click while the last one is answered is dropped: wait for each)
            page.locator("#lesson-next").click()
            expect(page.locator("#lesson-card")).to_contain_text(f"step {step} of {n}", timeout=WAIT)
        expect(page.locator("#lesson-card")).to_contain_text("Fix 2: minibatch std-dev")
        expect(page.locator("#tab-train")).to_be_visible()
        # the address bar follows: the step, not the first link's settings, and other features' keys stay
        expect(page).to_have_url(re.compile(r"\?room=abc&lesson=collapse&step=4$"), timeout=WAIT)
    links = [shared_link(page) for page in pages]
    assert links[0] == links[1] == url + "?lesson=collapse&step=4"
    assert setup_of(links[0]).values["minibatch_std"] is True and setup_of(links[0]).values["pack"] == 1
    for page in pages:
        page.context.close()


# Every Train-tab setting moved off its preset's value, in two links (a conditional G needs images,
# unrolled D needs 2D points): each key differs from the preset in at least one of them.
POINTS = dict(dataset="grid25", nz=3, width=48, depth=3, objective="minimax", lr_g=0.0007, lr_d=0.0009,
              beta1_g=0.4, beta2_g=0.99, beta1_d=0.3, beta2_d=0.95, batch_size=256, d_steps=3, seed=1234,
              label_smoothing=0.1, instance_noise=0.25, spectral_norm=True, minibatch_std=True, pack=4,
              unrolled_steps=2, feature_matching=True, grad_clip=2.5, ema=0.995, r1_gamma=1.5)
IMAGES = dict(dataset="mnist5k", conditional=True, objective="hinge", width=16, nz=20, seed=7)


@pytest.mark.parametrize("preset, changes", [("ring8", POINTS), ("digits", IMAGES)], ids=["points", "images"])
def test_share_round_trips_every_train_setting(app_server, browser, artifacts, preset, changes):
    _, url = app_server
    wanted = {**values_from_config(get_preset(preset)), **changes}
    query, notes = share_query("", 0, preset, wanted)
    assert not notes
    page = open_page(browser, url + query)
    expect(page.locator("#preset input")).to_have_value(preset, timeout=WAIT)
    expect(page.locator("#dataset input")).to_have_value(wanted["dataset"])
    expect(page.locator("#lr-d input")).to_have_value(str(wanted["lr_d"]))
    if preset == "ring8":  # and what a student changes by hand goes into the link too
        page.locator("#lr-d input").fill("0.0011")
        page.locator("#lr-d input").press("Tab")
        page.locator("#tricks").get_by_text("Tricks against collapse").click()
        page.get_by_label("Spectral norm on D").uncheck()
        wanted.update(lr_d=0.0011, spectral_norm=False)
    link = shared_link(page)
    got = setup_of(link)
    assert not got.notes and got.preset == preset
    assert got.values == wanted, {k: (got.values[k], v) for k, v in wanted.items() if got.values[k] != v}

    other = open_page(browser, link)  # and the link sets up a second browser the same way
    expect(other.locator("#preset input")).to_have_value(preset, timeout=WAIT)
    expect(other.locator("#lr-d input")).to_have_value(str(wanted["lr_d"]))
    assert shared_link(other) == link
    page.context.close()
    other.context.close()


def test_a_bad_link_shows_notes_not_an_error(app_server, browser, artifacts):
    _, url = app_server
    link = (url + "?lesson=collapse&step=42&preset=nope&lr_d=1e999&width=20&room=abc&seed=" + "9" * 10_000)
    page = open_page(browser, link, width=390)
    note = page.locator("#url-note")
    n = len(LESSONS["collapse"].steps)
    for words in (f"steps 1 to {n}", "no preset", "finite", "multiple of 8", "longer than 40"):
        expect(note).to_contain_text(words, timeout=WAIT)
    assert "room" not in note.inner_text()
    expect(page.locator("#lesson-card")).to_contain_text(f"step 1 of {n}")
    expect(page.locator("#preset input")).to_have_value("ring8-collapse")  # the lesson's step 1
    expect(page.locator("#lr-d input")).to_have_value("0.001")
    assert page.locator(".toast-body.error").count() == 0
    page.screenshot(path=str(artifacts / "lesson_390.png"), full_page=False)
    page.context.close()


def test_a_theory_step_sets_the_theory_tabs_controls(app_server, browser):
    _, url = app_server
    page = open_page(browser, url + "?lesson=theory&step=1")
    expect(page.locator("#tab-theory")).to_be_visible(timeout=WAIT)
    expect(page.locator("#theory-g-mean input[type=number]")).to_have_value("4", timeout=WAIT)
    expect(page.locator("#theory-jsd-numbers")).to_contain_text("JSD(p_data ‖ p_g) = 0.6931", timeout=WAIT)
    page.locator("#lesson-next").click()
    expect(page.locator("#theory-dgz input[type=number]")).to_have_value("0.01", timeout=WAIT)
    page.context.close()


def test_the_fix_step_in_the_teachers_order_is_a_fresh_run(app_server, browser, artifacts):
    """The collapse lesson as a teacher gives it (#26): step 1 (ring8-collapse), Start, let it train; Next to
    step 3 (Fix 1: two time-scales), Start as the card says: a new run from step 0 with the fix's rates, not
    the collapsed run going on with new ones."""
    from conftest import poll_until, shown_step

    _, url = app_server
    page = open_page(browser, url + "?lesson=collapse&step=1")
    expect(page.locator("#preset input")).to_have_value("ring8-collapse", timeout=WAIT)
    page.locator("#start").click()
    assert poll_until(lambda: shown_step(page) > 1500, timeout_s=120, every_s=0.5)
    page.locator("#pause").click()
    expect(page.locator("#status")).to_contain_text("paused", timeout=WAIT)
    collapsed_at = shown_step(page)
    for step in (2, 3):
        page.locator("#lesson-next").click()
        expect(page.locator("#lesson-card")).to_contain_text(f"step {step} of", timeout=WAIT)
    expect(page.locator("#preset input")).to_have_value("ring8-collapse+ttur", timeout=WAIT)
    expect(page.locator("#status")).to_contain_text("lr G 0.02", timeout=WAIT)  # the lesson changed nothing live
    page.locator("#start").click()
    fix = get_preset("ring8-collapse+ttur").train
    expect(page.locator("#status")).to_contain_text(f"lr G {fix.lr_g:.2g}, lr D {fix.lr_d:.2g}", timeout=WAIT)
    assert 0 <= shown_step(page) < collapsed_at  # from step 0 again: a fresh run
    page.screenshot(path=str(artifacts / "lesson_fix_fresh_run_1280.png"))
    page.context.close()
