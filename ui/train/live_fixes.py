"""The Train tab's collapse fixes that switch on live (issue #17 §1): R1, instance noise, unrolled D,
feature matching, beside the learning rates and D steps.

    [R1 penalty (gamma)      ----o----]   each applies to the run at once (Run.set_live): same
    [Instance noise (std)    o--------]   weights, step and curves; the notice says what changed
    [Unrolled D steps        --o------]   ("Switched on live at step 1,230: unrolled D (5 steps).")
    [x] Feature matching

Layout (`widgets`), wiring (`wire`) and the sentence (`change_sentence`, a pure function). The engine
side is live/single/live_fixes.py; a run of the class that takes a fix the batched step cannot do moves to
the class process's solo lane and keeps training (live/classroom/solo_lane.py).
"""

from __future__ import annotations

import gradio as gr

from live.run import LiveSettings
from ui.common import session_id
from ui.train.settings import TRICK_INFO

FIX_KEYS = ("r1_gamma", "instance_noise", "unrolled_steps", "feature_matching")  # live.single.live_fixes.FIXES
NOTE = ("<small>These fixes also switch on **live**, on the run as it is (its weights, step and curves go on): "
        "the way to rescue a run that is collapsing now. Unrolled D costs 1 + k D updates a step.</small>")


def widgets(v: dict, w: dict) -> None:
    """The four fix controls (adds to w: {key: component}); call inside the Train tab's controls."""
    info = TRICK_INFO
    with gr.Accordion("Fixes you can switch on live", open=True, elem_id="live-fixes"):
        w["r1_gamma"] = gr.Slider(0, 10, v["r1_gamma"], step=0.5, label="R1 penalty (gamma)", info=info["r1_gamma"],
                                  elem_id="r1-gamma")
        w["instance_noise"] = gr.Slider(0, 1, v["instance_noise"], step=0.05, label="Instance noise (std)",
                                        info=info["instance_noise"], elem_id="instance-noise")
        w["unrolled_steps"] = gr.Slider(0, 10, v["unrolled_steps"], step=1, label="Unrolled D steps (2D only)",
                                        info=info["unrolled_steps"], elem_id="unrolled-steps")
        w["feature_matching"] = gr.Checkbox(v["feature_matching"], label="Feature matching",
                                            info=info["feature_matching"], elem_id="feature-matching")
        gr.Markdown(NOTE)


def _fix_words(key: str, value) -> str:
    """'unrolled D (5 steps)', 'R1 off', ... : one fix as the notice says it."""
    if key == "feature_matching":
        return "feature matching " + ("on" if value else "off")
    if not value:
        return {"r1_gamma": "R1 off", "instance_noise": "instance noise off", "unrolled_steps": "unrolled D off"}[key]
    return {"r1_gamma": f"R1 (gamma {value:g})", "instance_noise": f"instance noise (std {value:g}, fading to 0)",
            "unrolled_steps": f"unrolled D ({int(value)} steps)"}[key]


def change_sentence(before: dict, after: dict, step: int) -> str:
    """What a live change did, in one sentence for the notice ('' when nothing changed). before / after:
    {fix key: value} (a snapshot's "fixes", and what was asked)."""
    changed = [_fix_words(k, after[k]) for k in FIX_KEYS if k in after and k in before and after[k] != before[k]]
    if not changed:
        return ""
    return (f"Switched live at step {step:,}: {', '.join(changed)}. Same run: its weights, step and curves go on "
            "(a running run takes it at its next few steps).")


def wire(w: dict, registry, live, notice, live_value) -> None:
    """Each fix control applies to this tab's run at once (a tab with no run yet: at Start). live: the
    live view; live_value(request, run) -> its value (the run's token and numbers now)."""
    inputs = [w[k] for k in FIX_KEYS]

    def on_fix(r1_gamma, instance_noise, unrolled_steps, feature_matching, request: gr.Request):
        run = registry.get(session_id(request))
        if run is None:
            return gr.skip()
        before = run.snapshot()
        try:
            asked = {"r1_gamma": r1_gamma, "instance_noise": instance_noise, "unrolled_steps": unrolled_steps,
                     "feature_matching": feature_matching}  # as sent: set_live checks types and bounds
            run.set_live(LiveSettings(**asked))
        except (TypeError, ValueError, OverflowError) as e:  # a refused fix: the run goes on as it was
            gr.Warning(f"Not applied: {e}")  # (a toast too: on a phone the notice is a long scroll away)
            return gr.skip(), f"⚠️ Not applied: {e}"
        sentence = change_sentence(before.fixes, asked, before.step)
        if sentence:
            gr.Info(sentence)
        return live_value(request, run), sentence or gr.skip()

    # the student's own changes only: a preset or lesson step that sets these widgets leaves the run as it is
    gr.on([w[k].input for k in FIX_KEYS], on_fix, inputs, [live, notice], api_name="set_live_fixes",
          show_progress="hidden")
