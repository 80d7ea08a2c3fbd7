"""A student's page follows its room's class experiment (issue #27, part 2): the teacher's lesson step, the
live question, and the student's assigned variant.

The room's channel (ui/board/room_channel.py) tells the page when the room's experiment changed; the page
then sends one event (`sync`), and this reads the member's news from the room (live/serving/rooms.news:
what the teacher sent, never what the page says) and sets the page:

- a lesson step: the lesson panel moves to it, exactly as Next would (its tab, the Train tab's preset and
  settings), with a notice "Your teacher moved the class to ...". A run the student has keeps going: a
  step that changes the preset changes the settings only, and Start makes the new run (as ever).
- an assignment: the Train tab's preset becomes the assigned variant, with its seed, and the notice says
  so; the student presses Start.
- the question: shown above the tabs, with its choices (or a number box); the student answers, and may
  change the answer until the teacher reveals the room's answers, which the page then shows.
The step and the assignment apply once (the room keeps which the page applied); the question is shown
as it is now on every sync.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import gradio as gr

from gan_core.errors import ClassroomError
from gan_core.presets import PRESETS, get_preset
from live.serving.class_experiment import Question, Tally
from live.serving.rooms import MemberNews
from ui.board import room_channel
from ui.common import AppContext, plain_markdown, session_id
from ui.lessons import panel as lesson_panel
from ui.lessons.catalogue import LESSONS
from ui.lessons.url_state import PageSetup
from ui.train.handlers import kept_run_note
from ui.train.settings import values_from_config


@dataclass(frozen=True)
class FollowUI:
    channel: gr.HTML  # the room channel's poll (ui/board/room_channel.py): its `click` is a sync
    notice: gr.Markdown  # what the teacher did, in a sentence
    question_box: gr.Column
    question: gr.Markdown
    choice: gr.Radio  # a multiple-choice answer (the choice's index)
    number: gr.Number  # a number answer
    send: gr.Button
    result: gr.Markdown  # the student's answer, and the room's once revealed


def layout() -> FollowUI:
    """The channel, the teacher's notice and the live question (call inside the room's banner)."""
    channel = room_channel.component()
    notice = gr.Markdown("", elem_id="room-notice")
    with gr.Column(visible=False, elem_id="room-question") as question_box:
        question = gr.Markdown("", elem_id="room-question-text")
        with gr.Row(equal_height=True):
            choice = gr.Radio([], label="Your answer", elem_id="room-answer-choice", visible=False, scale=3)
            number = gr.Number(None, label="Your answer (a number)", elem_id="room-answer-number", visible=False,
                               scale=2)
            send = gr.Button("Send my answer", variant="primary", elem_id="room-answer-send", scale=0,
                             min_width=160)
        result = gr.Markdown("", elem_id="room-answer-result")
    return FollowUI(channel, notice, question_box, question, choice, number, send, result)


def tally_text(question: Question, tally: Tally) -> str:
    """The room's answers, revealed: 'A. D: 9 · B. G: 3 ...' or the numbers' median and range."""
    if question.choices:
        return " · ".join(f"{chr(65 + i)}. {plain_markdown(c)}: **{n}**"
                          for i, (c, n) in enumerate(zip(question.choices, tally.counts)))
    if not tally.numbers:
        return "no answers"
    values = tally.numbers
    return f"median **{statistics.median(values):g}**, from {values[0]:g} to {values[-1]:g}"


def question_shown(ui: FollowUI, news: MemberNews) -> dict:
    """The question panel as the member's news says: hidden with no question."""
    q = news.question
    if q is None:
        return {ui.question_box: gr.Column(visible=False), ui.result: ""}
    head = f"**Your teacher asks** (question {q.serial}): {plain_markdown(q.text)}"  # (typed: plain text)
    mine = news.answer
    if q.revealed:
        result = f"**The room's answers** ({news.tally.answered} answered): {tally_text(q, news.tally)}"
    elif mine is not None:
        said = plain_markdown(q.choices[int(mine)]) if q.choices else f"{mine:g}"
        result = f"Your answer: **{said}** (you may change it until your teacher reveals the room's answers)."
    else:
        result = ""
    return {ui.question_box: gr.Column(visible=True), ui.question: head,
            ui.choice: gr.Radio(choices=[(f"{chr(65 + i)}. {c}", i) for i, c in enumerate(q.choices)],
                                value=mine if q.choices else None, visible=bool(q.choices),
                                interactive=not q.revealed),
            ui.number: gr.Number(value=mine if not q.choices else None, visible=not q.choices,
                                 minimum=q.low, maximum=q.high, interactive=not q.revealed,
                                 label=f"Your answer (a number from {q.low:g} to {q.high:g})"),
            ui.send: gr.Button(visible=not q.revealed), ui.result: result}


def _moved(ctx: AppContext, lessons, train, theory: dict, news: MemberNews, request) -> tuple[dict, str]:
    """({component: value} for the lesson step the teacher sent, the notice's sentence, which says that a
    run the student has goes on); ({}, "") when none."""
    sent = news.step
    if sent is None or sent.lesson not in LESSONS or not 0 <= sent.step < len(LESSONS[sent.lesson].steps):
        return {}, ""
    setup_out = lesson_panel.setup_outputs(lessons.tabs, train, theory)
    values = lesson_panel.step_outputs(sent.lesson, sent.step, train, theory, request)
    out = dict(zip([lessons.panel.step, lessons.panel.card, lessons.panel.note, *setup_out], values))
    out.update({lessons.panel.pick: sent.lesson, lessons.panel.box: gr.Accordion(open=True)})
    step = LESSONS[sent.lesson].steps[sent.step]
    kept = kept_run_note(ctx, request, step.preset).strip() if step.preset else ""
    if kept:
        out[train.notice] = kept
    return out, (f"Your teacher moved the class to *{LESSONS[sent.lesson].title}* · step {sent.step + 1}: "
                 f"**{step.title}**." + (f" {kept}" if kept else ""))


def _assigned(ctx: AppContext, lessons, train, theory: dict, news: MemberNews, request) -> tuple[dict, str]:
    """({component: value} for the member's assigned variant and seed on the Train tab, the notice)."""
    slot = news.slot
    if slot is None or slot.variant not in PRESETS:
        return {}, ""
    values = {**values_from_config(get_preset(slot.variant)), "seed": slot.seed}
    setup = PageSetup("train", "", 0, slot.variant, values)
    setup_out = lesson_panel.setup_outputs(lessons.tabs, train, theory)
    out = {c: v for c, v in zip(setup_out, lesson_panel.setup_values(train, theory, setup, request))
           if c not in theory.values()}
    said = (f"Your teacher assigned you **{slot.variant}** with seed **{slot.seed}** (run {slot.index + 1} of the "
            "class experiment): press **Start**.")
    out[train.notice] = said + kept_run_note(ctx, request, slot.variant)
    return out, said


@dataclass(frozen=True)
class Page:
    """What a sync may set besides the banner: the lesson panel (ui.lessons.panel.Panel), the tabs."""
    panel: object
    tabs: gr.Tabs


def wire(ctx: AppContext, ui: FollowUI, lessons: Page, train, theory: dict) -> None:
    """The channel's sync and the answer's Send (call once the lesson panel, the tabs and the Train tab exist;
    `train`: ui.train.tab.TrainHandles, `theory`: the theory tab's controls by key)."""
    panel = lessons.panel
    setup_out = lesson_panel.setup_outputs(lessons.tabs, train, theory)
    shown = [ui.notice, ui.question_box, ui.question, ui.choice, ui.number, ui.send, ui.result]
    outputs = [*shown, panel.box, panel.pick, panel.step, panel.card, panel.note, *setup_out, train.notice]

    def on_sync(request: gr.Request) -> dict:
        news = ctx.rooms.news(session_id(request))
        if news is None:
            return {}
        out = question_shown(ui, news)
        moved, said = _moved(ctx, lessons, train, theory, news, request)
        assigned, told = _assigned(ctx, lessons, train, theory, news, request)
        out.update(moved)
        out.update(assigned)
        if said or told:
            out[ui.notice] = " ".join(t for t in (said, told) if t)
        return out

    def on_answer(choice, number, request: gr.Request) -> dict:
        try:
            ctx.rooms.answer(session_id(request), choice if choice is not None else number)
        except ClassroomError as e:
            gr.Warning(str(e))
            return {ui.result: f"⚠️ {e}"}
        news = ctx.rooms.news(session_id(request), applied=False)
        return question_shown(ui, news) if news is not None else {}

    quiet = dict(show_progress="hidden")
    # the address bar follows the lesson step, as after Next; a page with no lesson keeps its link as it is
    follow_url = f"(lesson, step) => lesson ? ({lesson_panel.STEP_URL_JS})(lesson, step) : []"
    ui.channel.click(on_sync, None, outputs, api_name="room_sync", **quiet).then(
        None, [panel.pick, panel.step], None, js=follow_url, **quiet)
    ui.send.click(on_answer, [ui.choice, ui.number], shown, api_name="room_answer", **quiet)
