"""The lesson panel above the tabs: a guided lesson one card at a time, the page's setup read from its
link, and "Share this setup" as a link.

Layout and wiring only: the lessons are data (ui/lessons/catalogue.py), reading and writing links is pure
(ui/lessons/url_state.py). `build()` lays the panel out (call it where it should appear, before the tabs);
`wire()` connects it once the tabs exist. A step (picked, or from `?lesson=..&step=..`) selects its
tab and sets the Train tab's preset and settings, exactly as picking them by hand would: nothing
starts training, and a running run keeps running (learning rates, as always, apply to it live).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import gradio as gr

from gan_core.presets import describe_preset
from ui.dropdown_pick import picked
from ui.lessons.catalogue import LESSONS, lesson_choices
from ui.lessons.url_state import PageSetup, page_setup, parse_query, query_items, share_query, step_values
from ui.train.settings import KEYS, config_from_values

TAB_NAMES = {"train": "Train (live)", "latent": "Latent space", "diagnostics": "Mode-collapse diagnostics",
             "replays": "Replays", "theory": "Why GANs are hard", "board": "Class board"}
INTRO = ("Pick a **lesson** to set the app up one step at a time, each with a question for the class. "
         "**Share this setup** turns the Train tab's settings (and the lesson step) into a link: everyone who "
         "opens it gets the same setup.")
# Prefix the query with this page's own address (the server cannot know it behind a proxy), then copy it
# when the browser allows (a click's user activation; refused without https or permission: the link is shown).
# After a step change: the address bar follows (lesson and step; a link's Train-tab settings are dropped, as
# the step set its own; other features' keys such as `room` stay), so a reload or a copied address keeps the step.
STEP_URL_JS = """(lesson, step) => {
    const params = new URLSearchParams(window.location.search);
    for (const key of %s) params.delete(key);
    if (lesson) { params.set("lesson", lesson); params.set("step", String(step + 1)); }
    const query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    return [];
}""" % json.dumps(["lesson", "step", "tab", "preset", *KEYS])
SHARE_JS = """(query) => {
    const url = window.location.origin + window.location.pathname + query;
    try { navigator.clipboard.writeText(url).catch(() => {}); } catch (e) {}
    return url;
}"""


@dataclass(frozen=True)
class Panel:
    box: gr.Accordion
    pick: gr.Dropdown  # lesson key, "" for none
    step: gr.Number  # step index in the picked lesson (in the page, hidden: the address bar's JS reads it)
    prev: gr.Button
    next: gr.Button
    card: gr.Markdown
    note: gr.Markdown  # what the link asked for and could not be used
    share: gr.Button
    link: gr.Textbox


def build() -> Panel:
    with gr.Accordion("Lessons · share this setup", open=False, elem_id="lesson") as box:
        with gr.Row(equal_height=False):
            pick = gr.Dropdown(lesson_choices(), value="", label="Lesson", elem_id="lesson-pick", scale=3,
                               min_width=220)
            with gr.Row(elem_classes=["lesson-nav"]):
                prev = gr.Button("◀ Previous", elem_id="lesson-prev", size="sm", min_width=90)
                nxt = gr.Button("Next ▶", elem_id="lesson-next", size="sm", variant="primary", min_width=90)
        card = gr.Markdown(INTRO, elem_id="lesson-card")
        note = gr.Markdown("", elem_id="url-note")
        with gr.Row(equal_height=False):
            share = gr.Button("Share this setup", elem_id="share", size="sm", scale=1, min_width=150)
            link = gr.Textbox(label="Link to this setup (copied when you press Share)", elem_id="share-link",
                              buttons=["copy"], scale=3, min_width=200, max_lines=1)
        step = gr.Number(0, precision=0, visible="hidden", elem_id="lesson-step")
    return Panel(box, pick, step, prev, nxt, card, note, share, link)


def card_text(lesson: str, step: int) -> str:
    """The step's card: where we are, what to look at, the question (Markdown)."""
    if lesson not in LESSONS:
        return INTRO
    steps = LESSONS[lesson].steps
    s = steps[step]
    return (f"**{LESSONS[lesson].title}** · step {step + 1} of {len(steps)} · *{TAB_NAMES[s.tab]}* tab\n\n"
            f"### {s.title}\n{s.look_at}\n\n**Ask the class:** {s.question}")


def step_index(value) -> int:
    """The step number the page sent back, bounded (a client may send anything a Number holds)."""
    try:
        return min(max(int(value or 0), 0), 99)
    except (TypeError, ValueError, OverflowError):  # NaN, infinity, text
        return 0


def notes_text(notes) -> str:
    if not notes:
        return ""
    return "⚠️ **From the link, not used:**\n" + "\n".join(f"- {note}" for note in notes)


def setup_outputs(tabs: gr.Tabs, train, theory: dict) -> list:
    """What a page setup sets: the tab, the Train tab's widgets (`train`: ui.train.tab.TrainHandles), the
    theory tab's controls (`theory`: key -> component, from ui.theory.tab.build)."""
    return [tabs, train.preset, *train.settings, train.preset_info, train.live, *theory.values()]


def setup_values(train, theory: dict, setup: PageSetup, request, theory_values: dict | None = None) -> list:
    """Values for setup_outputs: the tab, the Train tab's widgets, the theory controls (skips where unchanged).
    A run the tab has keeps going: a new preset changes the widgets only (train.preview skips)."""
    tab = gr.Tabs(selected=setup.tab) if setup.tab else gr.skip()
    theory_now = [(theory_values or {}).get(k, gr.skip()) for k in theory]
    if setup.values is None:
        return [tab] + [gr.skip()] * (3 + len(train.settings)) + theory_now
    cfg = config_from_values(setup.values, setup.preset)
    return [tab, setup.preset, *[setup.values[k] for k in KEYS], describe_preset(setup.preset),
            train.preview(cfg, request), *theory_now]


def step_outputs(lesson: str, step: int, train, theory: dict, request) -> list:
    """[step index, card, note] + setup_values for a lesson step (the step bounded to the lesson's)."""
    step = min(max(step, 0), len(LESSONS[lesson].steps) - 1)
    s = LESSONS[lesson].steps[step]
    setup = PageSetup(s.tab, lesson, step, s.preset or "", step_values(s))
    return [step, card_text(lesson, step), ""] + setup_values(train, theory, setup, request, dict(s.theory))


def wire(demo: gr.Blocks, panel: Panel, tabs: gr.Tabs, train, theory: dict, after=None) -> None:
    """Connect the panel to the tabs, the Train tab (`train`: ui.train.tab.TrainHandles) and the theory
    tab's controls (`theory`: key -> component, from ui.theory.tab.build). after: a page-load event the
    link's setup must follow (the reload that finds the browser's run: a preview must not hide that run)."""
    setup_out = setup_outputs(tabs, train, theory)

    def apply(setup: PageSetup, request, theory_values: dict | None = None) -> list:
        return setup_values(train, theory, setup, request, theory_values)

    def go_to(lesson: str, step: int, request: gr.Request) -> list:
        if lesson not in LESSONS:
            return [0, INTRO, ""] + [gr.skip()] * len(setup_out)
        return step_outputs(lesson, step, train, theory, request)

    def on_load(request: gr.Request) -> list:
        """The page's link: a lesson step and/or Train-tab settings; bad values become a note."""
        asked = parse_query(query_items(getattr(request, "query_params", None)))
        if asked.empty:
            return [gr.skip()] * (5 + len(setup_out))
        setup = page_setup(asked)
        opened = gr.Accordion(open=True) if setup.lesson or setup.notes else gr.skip()
        step = LESSONS[setup.lesson].steps[setup.step] if setup.lesson else None
        return [opened, setup.lesson, setup.step, card_text(setup.lesson, setup.step),
                notes_text(setup.notes)] + apply(setup, request, dict(step.theory) if step else None)

    def on_share(lesson, step, preset, *values):
        query, notes = share_query(lesson or "", step_index(step), preset, dict(zip(KEYS, values)))
        return query, notes_text(notes) if notes else gr.skip()  # (a link's notes stay until there is news)

    def on_pick(lesson, request: gr.Request) -> list:
        return go_to(lesson, 0, request)

    def on_prev(lesson, step, request: gr.Request) -> list:
        return go_to(lesson, step_index(step) - 1, request)

    def on_next(lesson, step, request: gr.Request) -> list:
        return go_to(lesson, step_index(step) + 1, request)

    nav = [panel.step, panel.card, panel.note] + setup_out
    quiet = dict(show_progress="hidden")
    # (picked: a real pick only, not the `input` Gradio sends on every blur, which went back to step 1)
    for event in (panel.pick.input(**picked(on_pick, "lesson-pick", len(nav)), inputs=[panel.pick], outputs=nav,
                                   **quiet),
                  panel.prev.click(on_prev, [panel.pick, panel.step], nav, **quiet),
                  panel.next.click(on_next, [panel.pick, panel.step], nav, **quiet)):
        event.then(None, [panel.pick, panel.step], None, js=STEP_URL_JS, **quiet)
    on_page_load = after.then if after is not None else demo.load
    on_page_load(on_load, None, [panel.box, panel.pick, panel.step, panel.card, panel.note] + setup_out,
                 **quiet)
    panel.share.click(on_share, [panel.pick, panel.step, train.preset, *train.settings], [panel.link, panel.note],
                      api_name="share", **quiet).then(None, [panel.link], [panel.link], js=SHARE_JS, **quiet)
