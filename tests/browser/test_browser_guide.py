"""Every step of every lesson, in the teacher's order, in one tab (#26): the lesson panel picks each lesson
and presses Next through its steps, and each step does what its card says. The card names the step and its
tab, and that tab opens. A Train step loads its preset (and its settings on top). A step whose card says
**Start** trains, on a fresh run when the preset changed, with the learning rates the card's preset and
settings give (the status line's "live: lr G .., lr D .."). A Pause / Step step steps D alone while G's
step count stays. A theory step sets the theory tab's controls. The tab ends on a run that is still its own.
"""

from __future__ import annotations

import re

import pytest

from gan_core.presets import get_preset
from ui.lessons.catalogue import LESSONS
from ui.lessons.panel import TAB_NAMES
from ui.train.settings import config_from_values, values_from_config

from conftest import poll_until, shown_step

expect = pytest.importorskip("playwright.sync_api").expect
WAIT = 60_000  # ms: a Train step redraws the untrained G, an image run builds in its own process
THEORY_IDS = {"shape": "theory-shape", "g_mean": "theory-g-mean", "g_std": "theory-g-std", "d_fake": "theory-dgz",
              "objective": "theory-objective", "lr": "theory-lr", "steps": "theory-steps", "gamma": "theory-gamma"}


def pick_lesson(page, title: str) -> None:
    page.locator("#lesson-pick input").click()
    page.get_by_role("option", name=title).click()


def selected_tab(page) -> str:
    return page.locator("button[role=tab][aria-selected=true]").first.inner_text()


def lrs_of(step) -> tuple[float, float]:
    """The learning rates a Train step's preset and settings give a new run."""
    values = {**values_from_config(get_preset(step.preset)), **dict(step.overrides)}
    cfg = config_from_values(values, step.preset, {})
    return cfg.train.lr_g, cfg.train.lr_d


def check_theory(page, step) -> None:
    for key, value in step.theory:
        box = page.locator(f"#{THEORY_IDS[key]}")
        if isinstance(value, str):  # a radio: its checked choice
            expect(box.locator("input:checked")).to_have_value(value, timeout=WAIT)
        else:
            expect(box.locator("input[type=number]")).to_have_value(re.compile(rf"^{float(value):g}(\.0+)?$"),
                                                                     timeout=WAIT)


def train_as_the_card_says(page, step, last_preset: str | None, paused_at: int) -> int:
    """Start (Reset first where the card says so) and check the run it trains: the preset's learning rates, from
    step 0 when the preset changed, going on from where it paused when it did not; paused again after. -> its step."""
    if "**Reset**, then **Start**" in step.look_at:  # Reset makes the step's new run; Start then trains that one
        page.locator("#reset").click()
        expect(page.locator("#notice")).to_contain_text("New run", timeout=WAIT)
        last_preset, paused_at = step.preset, 0
    page.locator("#start").click()
    lr_g, lr_d = lrs_of(step)
    expect(page.locator("#status")).to_contain_text(f"lr G {lr_g:.2g}, lr D {lr_d:.2g}", timeout=WAIT)
    first = shown_step(page)  # the Start answer's own step
    if last_preset is not None and last_preset != step.preset:
        # a preset and its cure (docs/PHENOMENA.md) share their learning rates: the status line above may still be
        # the paused run's, so wait for the new run's (a run that went on never shows a step under paused_at)
        assert poll_until(lambda: shown_step(page) < paused_at, timeout_s=30), (
            f"{step.title}: Start went on from step {shown_step(page)}, not a fresh run")
    elif paused_at:
        assert first >= paused_at, f"{step.title}: Start lost the run (step {first}, was {paused_at})"
    enough = 300 if get_preset(step.preset).data.is_points else 20  # (2D: hundreds of steps a second)
    assert poll_until(lambda: shown_step(page) >= enough, timeout_s=180, every_s=0.5), f"{step.title}: no training"
    page.locator("#pause").click()
    expect(page.locator("#pause")).to_have_text("Resume", timeout=WAIT)
    return shown_step(page)


def step_d_alone(page) -> None:
    """The card: Pause, Step trains "D only", Step: one step of D alone (a step of the count), still paused."""
    held = shown_step(page)
    page.locator("#step-mode").get_by_text("D only").click()
    page.locator("#step").click()
    assert poll_until(lambda: shown_step(page) > held, timeout_s=60), "Step (D only) did not step"
    expect(page.locator("#status")).to_contain_text("paused", timeout=WAIT)
    page.locator("#step-mode").get_by_text("D and G").click()


def test_every_lesson_step_in_the_teachers_order_in_one_tab(app_server, browser, artifacts):
    _, url = app_server
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(url)
    expect(page.locator("#tabs")).to_be_visible(timeout=WAIT)
    page.locator("#lesson").get_by_text("Lessons · share this setup").click()
    last_preset, paused_at, walked = None, 0, []
    try:
        for lesson in LESSONS.values():
            pick_lesson(page, lesson.title)
            for i, step in enumerate(lesson.steps):
                if i:
                    page.locator("#lesson-next").click()
                card = page.locator("#lesson-card")
                expect(card).to_contain_text(f"step {i + 1} of {len(lesson.steps)}", timeout=WAIT)
                expect(card).to_contain_text(step.title, timeout=WAIT)
                assert poll_until(lambda: selected_tab(page) == TAB_NAMES[step.tab], timeout_s=30), (
                    f"{lesson.title} / {step.title}: the {TAB_NAMES[step.tab]} tab did not open")
                if step.preset:
                    expect(page.locator("#preset input")).to_have_value(step.preset, timeout=WAIT)
                    if "**Start**" in step.look_at:
                        paused_at = train_as_the_card_says(page, step, last_preset, paused_at)
                        last_preset = step.preset
                    if "**D only**" in step.look_at:
                        step_d_alone(page)
                check_theory(page, step)
                walked.append(f"{lesson.title} / {step.title}")
        page.screenshot(path=str(artifacts / "guide_walk_last_step_1280.png"))
    finally:
        ctx.close()
    assert len(walked) == sum(len(lesson.steps) for lesson in LESSONS.values())
