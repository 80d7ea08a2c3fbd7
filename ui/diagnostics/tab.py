"""The Mode-collapse diagnostics tab: numbers with a verdict, the pictures behind them, two runs side by side.

Layout and wiring only. `diagnose` (a plain function, tested directly) runs
gan_core.evaluation.diagnostics on the chosen source (ui/diagnostics/sources.py) and turns the report into
Markdown, cards and figures (ui/diagnostics/view.py, ui/diagnostics/figures.py). A 2 s gr.Timer redraws the
live-metrics timeline of this session's run, only when a new point arrived.
"""

from __future__ import annotations

import gradio as gr

from ui.common import AppContext, session_id
from ui.diagnostics import figures, view
from ui.diagnostics.sources import LIVE, NONE, SourceProblem, default_choices, diagnosis_for, source_choices

INTRO = ("Is my GAN collapsing? The tab opens on two shipped checkpoints side by side: **ring8-collapse** "
         "(a vanilla GAN) against **ring8** (with the tricks). Pick **this session's run** (train it in the "
         "Train tab first) or any checkpoint and press **Diagnose**: G draws fresh samples and we measure how "
         "many modes or digit classes they cover, how good and how varied they are, and whether G repeats or "
         "copies itself. Pick a second source under *Compare with* to see two runs side by side.")
TIMELINE_NOTE = ("**Timeline of this session's run** (shown when *Diagnose* is on this session's run): cheap "
                 "metrics measured every few hundred steps while it trains. Collapse shows as the share of modes "
                 "or classes covered falling while KL rises.")
N_CHOICES = [500, 1000, 2000, 2500]


def diagnose(ctx: AppContext, choice: str | None, compare: str | None, n: int, seed: int, session: str) -> tuple:
    """Everything the Diagnose button updates, in OUTPUT order. Never raises for a bad choice: the
    verdict box says what is wrong and every picture is cleared."""
    try:
        a = diagnosis_for(ctx, choice, session, n, seed)
        b = diagnosis_for(ctx, compare, session, n, seed) if compare and compare != NONE else None
    except SourceProblem as e:
        return (view.error_markdown(str(e)), "", None, None, gr.Column(visible=False), "", None, None,
                gr.Column(visible=False), None, "", None, "")
    r = a.report
    images = "closest_pairs" in r
    compare_out = (gr.Column(visible=False), "", None, None)
    if b is not None:
        compare_out = (gr.Column(visible=True), view.comparison_markdown(r, b.report),
                       figures.main_figure(a, f"A: {r['source']}"), figures.main_figure(b, f"B: {b.report['source']}"))
    return (view.verdict_markdown(r), view.cards_html(r), figures.main_figure(a), figures.d_histogram_figure(r),
            *compare_out,
            gr.Column(visible=images), figures.pairs_grid(a) if images else None,
            view.pairs_caption(r) if images else "", figures.nearest_grid(a) if images else None,
            view.nearest_caption(r) if images else "")


def timeline(ctx: AppContext, choice: str | None, seen: int, session: str) -> tuple:
    """(timeline plot update, points shown) for the live run; gr.skip() when nothing new arrived."""
    run = ctx.registry.get(session) if choice == LIVE else None
    metrics = run.snapshot().metrics if run is not None else []
    if len(metrics) == seen:
        return gr.skip(), gr.skip()
    image = view.timeline_image(metrics)
    return gr.Image(image, visible=image is not None), len(metrics)


def build(ctx: AppContext) -> None:
    choices = source_choices(ctx)
    first, first_compare = default_choices(choices)
    with gr.Tab("Mode-collapse diagnostics", id="diagnostics", elem_id="tab-diagnostics") as tab:
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=280):
                gr.Markdown(INTRO)
                source = gr.Dropdown(choices, value=first, label="Diagnose", elem_id="diag-source")
                compare = gr.Dropdown([NONE] + choices, value=first_compare, label="Compare with",
                                      elem_id="diag-compare")
                with gr.Row():
                    n = gr.Dropdown(N_CHOICES, value=1000, label="Samples", elem_id="diag-n", min_width=90)
                    seed = gr.Number(0, label="Seed", precision=0, elem_id="diag-seed", min_width=90)
                run = gr.Button("Diagnose", variant="primary", elem_id="diag-run")
            with gr.Column(scale=3, min_width=480):
                verdict = gr.Markdown("Pick a source and press **Diagnose**.", elem_id="diag-verdict")
                cards = gr.HTML("", elem_id="diag-cards")
                with gr.Row():
                    main_plot = gr.Plot(show_label=False, format="png", elem_id="diag-main-plot")
                    d_plot = gr.Plot(show_label=False, format="png", elem_id="diag-d-plot")
        with gr.Column(visible=False, elem_id="diag-compare-box") as compare_box:
            gr.Markdown("## Side by side")
            compare_table = gr.Markdown(elem_id="diag-compare-table")
            with gr.Row():
                plot_a = gr.Plot(show_label=False, format="png", elem_id="diag-compare-a")
                plot_b = gr.Plot(show_label=False, format="png", elem_id="diag-compare-b")
        with gr.Column(visible=False) as image_box:
            with gr.Row():
                with gr.Column():
                    pairs = gr.Image(label="Closest generated pairs", type="numpy", interactive=False,
                                     height=220, elem_id="diag-pairs")
                    pairs_text = gr.Markdown()
                with gr.Column():
                    nearest = gr.Image(label="Nearest training images", type="numpy", interactive=False,
                                       height=220, elem_id="diag-nearest")
                    nearest_text = gr.Markdown()
        gr.Markdown(TIMELINE_NOTE)
        timeline_plot = gr.Image(None, label="Live metrics", show_label=False, type="numpy", format="png",
                                 height=220, interactive=False, visible=False, elem_id="diag-timeline")
        seen = gr.State(-1)  # how many live-metric points the timeline shows
        shown = gr.State(False)  # has this browser tab shown a diagnosis yet?
        timer = gr.Timer(2.0)

    outputs = [verdict, cards, main_plot, d_plot, compare_box, compare_table, plot_a, plot_b,
               image_box, pairs, pairs_text, nearest, nearest_text]

    def on_run(choice, other, n_samples, seed_value, request: gr.Request):
        return diagnose(ctx, choice, other, n_samples, seed_value or 0, session_id(request))

    def on_first_visit(choice, other, n_samples, seed_value, already, request: gr.Request):
        """Opening the tab the first time diagnoses the default choice, so it never opens empty
        (checkpoint diagnoses are cached: a class opening it at once costs one computation)."""
        if already or choice == LIVE:
            return [gr.skip()] * (len(outputs) + 1)
        return *on_run(choice, other, n_samples, seed_value, request), True

    def on_tick(choice, seen_count, request: gr.Request):
        return timeline(ctx, choice, seen_count, session_id(request))

    def on_select():
        fresh = source_choices(ctx)  # checkpoints saved since the page loaded
        return gr.Dropdown(choices=fresh), gr.Dropdown(choices=[NONE] + fresh)

    run.click(on_run, [source, compare, n, seed], outputs, concurrency_limit=2, concurrency_id="diagnose").then(
        lambda: True, None, shown)
    timer.tick(on_tick, [source, seen], [timeline_plot, seen], concurrency_limit=None, show_progress="hidden")
    source.change(lambda: -1, None, seen)  # a new source redraws the timeline on the next tick
    tab.select(on_select, None, [source, compare]).then(
        on_first_visit, [source, compare, n, seed, shown], [*outputs, shown], concurrency_id="diagnose")
