"""The lessons are data: every tab, preset and setting they name exists, and every step sets up a valid run."""

from __future__ import annotations

import pytest

from gan_core.presets import PRESETS
from ui.lessons.catalogue import LESSONS, TABS, lesson_choices
from ui.lessons.url_state import step_values
from ui.train.bounds import format_setting, parse_setting
from ui.train.settings import KEYS, config_from_values

STEPS = [(key, i, step) for key, lesson in LESSONS.items() for i, step in enumerate(lesson.steps)]
STEP_IDS = [f"{key}-{i + 1}" for key, i, _ in STEPS]


def test_the_issues_lessons_exist():
    assert {"healthy", "collapse", "theory", "digits"} <= set(LESSONS)
    assert all(1 < len(lesson.steps) <= 8 for lesson in LESSONS.values())
    assert any(step.tab == "theory" for step in LESSONS["theory"].steps)


def test_the_tabs_are_the_apps():
    """TABS names the gr.Tab ids the app really has."""
    import gradio as gr

    from ui.board import tab as board_tab
    from ui.common import AppContext
    from ui.diagnostics import tab as diagnostics_tab
    from ui.latent import tab as latent_tab
    from ui.replay import tab as replay_tab
    from ui.theory import tab as theory_tab
    from ui.train import tab as train_tab

    ctx = AppContext(registry=None)
    with gr.Blocks() as demo:
        with gr.Tabs():
            train_tab.build(ctx)
            latent_tab.build(ctx)
            diagnostics_tab.build(ctx)
            replay_tab.build(ctx)
            theory = theory_tab.build()
            board_tab.build(ctx)
    ids = {block.id for block in demo.blocks.values() if isinstance(block, gr.Tab)}
    assert set(TABS) == ids
    # and every theory control a step sets exists, with a value its widget can show
    for key, index, step in STEPS:
        assert not step.theory or step.tab == "theory", f"{key} step {index + 1} sets theory controls elsewhere"
        for name, value in step.theory:
            widget = theory[name]
            if isinstance(widget, gr.Slider):
                assert widget.minimum <= value <= widget.maximum, (key, index, name)
            else:
                assert value in [v for _, v in widget.choices], (key, index, name)


@pytest.mark.parametrize("key, index, step", STEPS, ids=STEP_IDS)
def test_every_step_is_a_valid_setup(key, index, step):
    assert step.tab in TABS
    assert step.title and step.look_at and step.question.endswith("?")
    if step.preset is None:
        assert not step.overrides, "overrides need a preset to go on top of"
        return
    assert step.preset in PRESETS
    names = [name for name, _ in step.overrides]
    assert len(set(names)) == len(names) and set(names) <= set(KEYS)
    values = step_values(step)
    for name, value in step.overrides:  # each override is a value the widget itself can show
        assert parse_setting(name, format_setting(name, value)) == value, name
    config_from_values(values, step.preset)  # raises ConfigError if the step's run is not valid


def test_the_picker_offers_every_lesson_and_none():
    assert [key for _, key in lesson_choices()] == ["", *LESSONS]


@pytest.mark.parametrize("key, index, step", STEPS, ids=STEP_IDS)
def test_every_card_renders(key, index, step):
    from ui.lessons.panel import TAB_NAMES, card_text

    text = card_text(key, index)
    assert f"step {index + 1} of {len(LESSONS[key].steps)}" in text
    assert step.question in text and TAB_NAMES[step.tab] in text


@pytest.mark.parametrize("sent, index", [(None, 0), (3, 3), (-5, 0), (10**9, 99), (float("nan"), 0),
                                         (float("inf"), 0), ("x", 0), ("2", 2)])
def test_the_step_the_page_sends_back_is_bounded(sent, index):
    from ui.lessons.panel import step_index

    assert step_index(sent) == index
