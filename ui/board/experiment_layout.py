"""The board's class-experiment panel, laid out (issue #27, part 2), under the board:

    Lesson [collapse ▾]  Step [1. A GAN that collapses ▾]  [Send this step to the class]
    Question for the class [...............]   Answers, one a line [...]
    [Ask the class] [Reveal the answers] [Close the question]
    Variants to compare [ring8-collapse ×] [ring8-collapse+ttur ×]  [Assign to the class]
    The room predicts: bars per answer  |  The room measures: runs per variant, beside the committed table
    [⬇ The board as a picture]

Layout only: the handlers are ui/board/experiment.py, the panel's HTML ui/board/experiment_view.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from gan_core.presets import preset_names
from ui.board.experiment_view import EXPERIMENT_CSS
from ui.lessons.catalogue import LESSONS

FIRST_LESSON = "collapse"  # the lesson a class experiment is made for (mode collapse and its fixes)
NOTE = ("**Class experiment.** Pick a lesson step: **Send this step to the class** moves every student's page "
        "to it (their runs go on until they press Start). **Ask the class** puts its question on their pages; "
        "the bars fill as they answer, **Reveal** shows them the room's answers. **Assign** splits the room over "
        "the variants (round robin in joining order, every seed different): their Train tab switches to their "
        "variant, and the table counts the runs as they train.")


def default_variants(preset: str | None) -> list[str]:
    """The variants a step's experiment compares: a fix preset beside its baseline ('ring8-collapse+ttur' ->
    both), a baseline beside its first fix ('ring8-collapse' -> 'ring8-collapse+ttur'); [] when it has none."""
    names = preset_names()
    if not preset or preset not in names:
        return []
    if "+" in preset and preset.split("+", 1)[0] in names:
        return [preset.split("+", 1)[0], preset]
    fixes = [n for n in names if n.startswith(preset + "+")]
    return [preset, fixes[0]] if fixes else []


def step_choices(lesson: str) -> list[tuple[str, int]]:
    """(label, index) of the lesson's steps, for the step picker."""
    return [(f"{i + 1}. {s.title}", i) for i, s in enumerate(LESSONS[lesson].steps)] if lesson in LESSONS else []


@dataclass(frozen=True)
class ExperimentUI:
    lesson: gr.Dropdown
    step: gr.Dropdown  # the step's index in the lesson
    send: gr.Button
    question: gr.Textbox  # the question asked (the step's, or the teacher's own words)
    choices: gr.Textbox  # its answers, one a line; empty: a number answer
    ask: gr.Button
    reveal: gr.Button
    close: gr.Button
    variants: gr.Dropdown  # preset names, 2 to 4
    assign: gr.Button
    note: gr.Markdown  # what the last button did
    live: gr.HTML  # the room's answers and its runs by variant (updated by the board's poll)
    picture: gr.Button  # the board as a PNG, drawn in the browser


def _step_row() -> tuple:
    with gr.Row(equal_height=True):
        lesson = gr.Dropdown([(lesson.title, key) for key, lesson in LESSONS.items()], value=FIRST_LESSON,
                             label="Lesson", elem_id="xp-lesson", scale=2, min_width=200)
        step = gr.Dropdown(step_choices(FIRST_LESSON), value=0, label="Step", elem_id="xp-step", scale=3,
                           min_width=220)
        send = gr.Button("Send this step to the class", variant="primary", elem_id="xp-send", scale=1, min_width=180)
    return lesson, step, send


def _question_rows(first) -> tuple:
    with gr.Row(equal_height=False):
        question = gr.Textbox(first.question, label="Question for the class", lines=2, max_lines=4, max_length=300,
                              elem_id="xp-question", scale=3, min_width=260)
        choices = gr.Textbox("\n".join(first.choices), label="Answers, one a line (2 to 6; none: a number answer)",
                             lines=3, max_lines=6, max_length=600, elem_id="xp-choices", scale=2, min_width=200)
    with gr.Row():
        ask = gr.Button("Ask the class", variant="primary", elem_id="xp-ask", size="sm", scale=0, min_width=150)
        reveal = gr.Button("Reveal the answers", elem_id="xp-reveal", size="sm", scale=0, min_width=160)
        close = gr.Button("Close the question", elem_id="xp-close", size="sm", scale=0, min_width=160)
    return question, choices, ask, reveal, close


def layout() -> ExperimentUI:
    """The panel (call inside the Class board tab, under the board)."""
    with gr.Accordion("Class experiment: send a step, ask the class, assign variants", open=True,
                      elem_id="board-experiment"):
        gr.Markdown(NOTE)
        lesson, step, send = _step_row()
        question, choices, ask, reveal, close = _question_rows(LESSONS[FIRST_LESSON].steps[0])
        first = default_variants(LESSONS[FIRST_LESSON].steps[0].preset)
        with gr.Row(equal_height=True):
            variants = gr.Dropdown(preset_names(), value=first, multiselect=True, max_choices=4,
                                   label="Variants to compare (2 to 4 presets)", elem_id="xp-variants", scale=4,
                                   min_width=260)
            assign = gr.Button("Assign to the class", variant="primary", elem_id="xp-assign", scale=1, min_width=160)
        note = gr.Markdown("", elem_id="xp-note")
        live = gr.HTML("", elem_id="board-experiment-live", css_template=EXPERIMENT_CSS)
        picture = gr.Button("⬇ The board as a picture (PNG)", elem_id="board-picture", size="sm")
    return ExperimentUI(lesson, step, send, question, choices, ask, reveal, close, variants, assign, note, live,
                        picture)
