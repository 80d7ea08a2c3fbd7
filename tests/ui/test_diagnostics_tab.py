"""The diagnostics tab: its handlers called directly (wrong inputs give a clear message, a live run and
two checkpoints side by side work), then the real app in headless Chromium."""

from __future__ import annotations

import re

import gradio as gr
import pytest
import torch
from matplotlib.figure import Figure

from gan_core import checkpoint
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.gan import build_gan
from gan_core.presets import get_preset
from gan_core.train import train_step
from live.serving.sessions import SessionRegistry
from ui.common import AppContext
from ui.diagnostics import tab
from ui.diagnostics import view as dview
from ui.diagnostics.sources import LIVE, NONE, default_choices, source_choices

VERDICT, CARDS, MAIN, D_PLOT, COMPARE_BOX, COMPARE_TABLE, PLOT_A, PLOT_B = range(8)
IMAGE_BOX, PAIRS, PAIRS_TEXT, NEAREST, NEAREST_TEXT = range(8, 13)


@pytest.fixture(scope="module")
def ckpt_dir(tmp_path_factory):
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("diag-checkpoints")
    for name, preset in (("ring8-a", "ring8"), ("ring8-b", "ring8-collapse")):
        gan = build_gan(get_preset(preset), "cpu")
        for _ in range(30):
            train_step(gan)
        checkpoint.save(gan, folder / name)
    (folder / "broken.safetensors").write_bytes(b"not a checkpoint at all" * 10)
    return folder


@pytest.fixture
def ctx(ckpt_dir):
    registry = SessionRegistry(max_running=1)
    yield AppContext(registry=registry, checkpoint_dir=ckpt_dir)
    registry.shutdown()


def _cleared(out) -> bool:
    """After an error nothing stale stays on screen."""
    return (out[CARDS] == "" and out[MAIN] is None and out[D_PLOT] is None and not out[COMPARE_BOX].visible
            and not out[IMAGE_BOX].visible and out[PAIRS] is None and out[NEAREST] is None)


def test_menu_lists_the_live_run_then_gan_checkpoints_only(ctx):
    assert source_choices(ctx) == [LIVE, "ring8-a", "ring8-b"]  # the broken file is not offered


@pytest.mark.parametrize("choices, expected", [
    ([LIVE, "grid25", "ring8", "ring8-collapse"], ("ring8-collapse", "ring8")),  # the shipped contrast
    ([LIVE, "digits", "ring8"], ("digits", NONE)),  # no collapse checkpoint: the first one alone
    ([LIVE], (LIVE, NONE)),  # nothing shipped: this session's run
])
def test_the_tab_opens_on_a_shipped_checkpoint_when_there_is_one(choices, expected):
    assert default_choices(choices) == expected


@pytest.mark.parametrize("choice, message", [
    (LIVE, "There is no run in this browser tab yet. Start one in the **Train** tab"),
    ("no-such-run", "There is no checkpoint called 'no-such-run'"),
    ("broken", "broken.safetensors is not a readable safetensors file"),
    (None, "Pick what to diagnose"),
])
def test_wrong_input_gives_a_clear_message(ctx, choice, message):
    out = tab.diagnose(ctx, choice, NONE, 500, 0, "session-1")
    assert out[VERDICT].startswith("## ⚠️ Cannot diagnose this")
    assert message in out[VERDICT]
    assert _cleared(out)


def test_a_bad_comparison_is_reported_too(ctx):
    out = tab.diagnose(ctx, "ring8-a", "../../etc/passwd", 500, 0, "session-1")
    assert "There is no checkpoint called" in out[VERDICT] and _cleared(out)


def test_a_checkpoint_against_another_side_by_side(ctx):
    out = tab.diagnose(ctx, "ring8-a", "ring8-b", 500, 0, "session-1")
    assert re.search(r"\*\*ring8-a\*\* \(ring8, step 30\)", out[VERDICT])
    assert "modes covered" in out[CARDS] and "high quality" in out[CARDS]
    assert isinstance(out[MAIN], Figure) and isinstance(out[D_PLOT], Figure)
    assert out[COMPARE_BOX].visible
    table = out[COMPARE_TABLE]
    assert "| measure | A: ring8-a | B: ring8-b |" in table and "| modes covered |" in table
    assert isinstance(out[PLOT_A], Figure) and isinstance(out[PLOT_B], Figure)
    assert not out[IMAGE_BOX].visible  # no image grids for 2D points


def test_the_live_run_and_its_timeline(ctx):
    run = ctx.registry.create("session-2", get_preset("ring8"), metric_fn=live_metrics, metrics_every=100)
    run.step(300, wait=True)
    out = tab.diagnose(ctx, LIVE, NONE, 500, 0, "session-2")
    assert "**this session's run** (ring8, step 300)" in out[VERDICT]
    assert not out[COMPARE_BOX].visible
    plot, seen = tab.timeline(ctx, LIVE, -1, "session-2")
    assert seen == 3 and plot.visible  # steps 100, 200, 300
    assert plot.constructor_args["value"].shape == (220, 900, 3)  # the picture the update sends
    panel = dview.timeline_panel(run.snapshot().metrics)
    labels = {s.label for s in panel.series}
    assert all(list(s.steps) == [100, 200, 300] or len(s.steps) < 3 for s in panel.series)
    # KL is undefined (and left out) at a point where no sample is high quality yet
    assert {"modes covered (share)", "high-quality fraction"} <= labels
    assert labels <= {"modes covered (share)", "high-quality fraction", "KL to uniform / ln K"}
    assert all(((s.values >= 0) & (s.values <= 1)).all() for s in panel.series)
    assert tab.timeline(ctx, LIVE, 3, "session-2") == (gr.skip(), gr.skip())  # nothing new: nothing sent
    assert tab.timeline(ctx, "ring8-a", 3, "session-2")[1] == 0  # a checkpoint has no timeline
    # another browser tab does not see this session's run
    assert "no run in this browser tab" in tab.diagnose(ctx, LIVE, NONE, 500, 0, "session-3")[VERDICT]


def test_an_image_checkpoint_shows_classes_pairs_and_copies(ctx, ckpt_dir):
    checkpoint.save(build_gan(get_preset("digits"), "cpu"), ckpt_dir / "digits-untrained")
    out = tab.diagnose(ctx, "digits-untrained", NONE, 500, 0, "session-1")
    assert "classes covered" in out[CARDS] and "Fréchet distance" in out[CARDS]
    assert "digits classifier (98% accurate" in out[VERDICT]
    assert out[IMAGE_BOX].visible
    assert out[PAIRS].ndim == 3 and out[NEAREST].ndim == 3  # uint8 RGB grids
    assert "birthday-paradox" in out[PAIRS_TEXT] and "G copies" in out[NEAREST_TEXT]


# ------------------------------------------------------------------------------------------ browser

expect = pytest.importorskip("playwright.sync_api").expect


def test_browser_diagnose_says_what_is_wrong_then_diagnoses_the_live_run(app_server, page, artifacts):
    _, url = app_server
    page.goto(url)
    page.get_by_role("tab", name="Mode-collapse diagnostics").click()
    expect(page.locator("#tab-diagnostics")).to_be_visible(timeout=30_000)
    # the first visit diagnoses the shipped pair at once: a newcomer never meets an empty tab
    verdict = page.locator("#diag-verdict")
    expect(verdict).to_contain_text("ring8-collapse", timeout=60_000)
    expect(page.locator("#diag-compare-table")).to_contain_text("B: ring8", timeout=30_000)
    expect(page.locator("#diag-main-plot img")).to_be_visible(timeout=20_000)
    page.screenshot(path=str(artifacts / "diagnostics_first_visit.png"), full_page=True)

    page.locator("#diag-source input").click()
    page.get_by_role("option", name=LIVE, exact=True).click()
    page.locator("#diag-run").click()  # no run yet in this browser tab
    expect(page.locator("#diag-verdict")).to_contain_text("There is no run in this browser tab yet", timeout=30_000)

    page.get_by_role("tab", name="Train (live)").click()
    expect(page.locator("#tab-train")).to_be_visible(timeout=30_000)
    page.locator("#start").click()
    expect(page.locator("#status")).to_contain_text(re.compile(r"step (\d{3,}|[1-9],\d{3})"), timeout=60_000)
    page.locator("#pause").click()

    page.get_by_role("tab", name="Mode-collapse diagnostics").click()
    page.locator("#diag-run").click()
    expect(verdict).to_contain_text("this session's run", timeout=60_000)
    expect(verdict).to_contain_text(re.compile("healthy|warning|collapse"))
    expect(page.locator("#diag-cards")).to_contain_text("modes covered")
    expect(page.locator("#diag-main-plot img")).to_be_visible(timeout=20_000)
    page.screenshot(path=str(artifacts / "diagnostics_tab.png"))
