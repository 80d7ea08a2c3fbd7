"""The live view's two components on the Train tab: the picture (status, field or samples, layer
toggles) and the curves (alerts, three panels), gr.HTML drawn by live_view.js in the browser.

Their value is what a button's answer sets: {"token": the run's poll token or None,
"payload": a whole payload (ui/live_view/payload.py)}. The picture's script polls with the token;
the curves' script draws from the same store. The script gets its constants (colours, panels,
layers) from here, out of the same Python the server-side pictures use, so the two cannot drift.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import gradio as gr

from gan_core.config import BCE_OBJECTIVES, CRITIC_OBJECTIVES
from gan_core.pictures import field_draw
from live.single.history import SERIES
from ui.curve_series import CRITIC_TITLE, D_PANEL, EQUILIBRIUM, EQUILIBRIUM_COLOUR, PANELS
from ui.live_view.payload import FIELD_ARRAYS

LAYER_LABELS = {"real": "real points", "fake": "fake points", "heat": "D's heat map",
                "manifold": "G's noise grid", "arrows": "gradient arrows"}

PICTURE_HTML = """
<div class="gl-picture">
  <div id="{status_id}" class="gl-status" aria-live="polite"></div>
  <div class="gl-note" aria-live="polite"></div>
  <div class="gl-frame"><canvas class="gl-field" role="img" aria-label="The 2D field"></canvas>
    <img class="gl-samples" alt="G's samples" hidden></div>
  <p class="gl-readout" aria-live="off"></p>
  <fieldset class="gl-layers" hidden><legend>2D field layers (drawn in your browser)</legend></fieldset>
  <details class="gl-theory"><summary>What each layer shows</summary><ul>
    <li><b>Real points</b> (green): samples x of the data distribution p<sub>data</sub>.</li>
    <li><b>Fake points</b> (purple): G(z) for the same 512 noise vectors z every frame, so you see each one move.</li>
    <li><b>D's heat map</b>: D(x) at every place x of the plane: orange where D says "real", purple where it
      says "fake". Where fakes sit on purple, D has found them out; at the equilibrium the map turns a flat 0.5.</li>
    <li><b>G's noise grid</b>: G applied to a square grid of z: how G bends and stretches the noise plane onto
      the data. Folds and empty stretches show where G's mapping loses modes.</li>
    <li><b>Gradient arrows</b> (red): &minus;&nabla;<sub>x</sub> of G's loss at each fake point: where the next
      G step pushes that point, i.e. uphill on D's map.</li>
  </ul></details>
</div>"""
CURVES_HTML = """
<div class="gl-curves-box">
  <div id="{alerts_id}" class="gl-alerts alert-box" aria-live="polite"></div>
  <canvas class="gl-curves" role="img" aria-label="Training curves"></canvas>
</div>"""
CSS = """
.gl-frame { width: 100%; max-width: 560px; }
.gl-frame canvas, .gl-frame img { display: block; max-width: 100%; }
.gl-picture [hidden] { display: none !important; }
.gl-samples { width: 100%; image-rendering: pixelated; }
.gl-readout { min-height: 1.4em; margin: 2px 0; font-size: 0.9em; }
.gl-layers { display: flex; flex-wrap: wrap; gap: 4px 14px; border: 1px solid var(--border-color-primary);
             border-radius: 6px; padding: 4px 10px; margin-top: 4px; }
.gl-layers legend { font-size: 0.85em; padding: 0 4px; }
.gl-layers label { display: inline-flex; align-items: center; gap: 4px; min-height: 32px; cursor: pointer; }
.gl-layers input { width: 18px; height: 18px; accent-color: var(--color-accent); appearance: auto; }
.gl-status p, .gl-note p { margin: 0 0 4px 0; }
.gl-curves { display: block; max-width: 100%; margin-top: 6px; }
.gl-theory { margin-top: 6px; font-size: 0.9em; }
.gl-theory summary { cursor: pointer; min-height: 32px; display: flex; align-items: center; font-weight: 600; }
.gl-theory summary::before { content: "▸"; margin-right: 6px; }
.gl-theory[open] summary::before { content: "▾"; }
.gl-theory ul { margin: 4px 0 0 1.2em; padding: 0; }
"""


# what each curves panel will show, written in it before the first step (then "drawn here: press Start or Step")
EMPTY_CURVES = ("D's and G's losses,", "D's mean output on real and fake,", "Each network's gradient size,")


def spec() -> dict:
    """The constants live_view.js draws with."""
    return {"layers": [[k, LAYER_LABELS[k]] for k in field_draw.FIELD_LAYERS], "arrays": list(FIELD_ARRAYS),
            "series": list(SERIES), "puor": list(field_draw.PUOR_R), "heat_alpha": field_draw.HEAT_ALPHA,
            "colours": {"real": field_draw.REAL, "fake": field_draw.FAKE, "arrow": field_draw.ARROW,
                        "grid": field_draw.GRID},
            "panels": [[t, y, [list(s) for s in series]] for t, y, series in PANELS], "d_panel": D_PANEL,
            "critic_title": CRITIC_TITLE, "equilibrium": EQUILIBRIUM, "equilibrium_colour": EQUILIBRIUM_COLOUR,
            "empty_curves": list(EMPTY_CURVES), "bce": sorted(BCE_OBJECTIVES),
            "critic": sorted(CRITIC_OBJECTIVES) + ["hinge"]}


@functools.cache
def script() -> str:
    source = (Path(__file__).with_name("live_view.js")).read_text()
    return source.replace("__SPEC__", json.dumps(spec()))


def _js(role: str, channel: str) -> str:
    return script() + f"\nwindow.GanLive.mount(element, props, watch, {role!r}, {channel!r});\n"


def picture(value: dict | None, channel: str = "train", elem_id: str = "live-picture",
            status_id: str = "status", **kwargs) -> gr.HTML:
    """The live picture (call where the picture goes); value: {"token", "payload"} or None. channel:
    which run of the page it shows (the Train tab's own, or a room's class run), with its curves()."""
    return gr.HTML(value, html_template=PICTURE_HTML.replace("{status_id}", status_id), css_template=CSS,
                   js_on_load=_js("picture", channel), elem_id=elem_id, apply_default_css=False, **kwargs)


def curves(channel: str = "train", elem_id: str = "live-curves", alerts_id: str = "alerts") -> gr.HTML:
    """The live curves and the alerts above them (they draw what the picture's polls bring)."""
    return gr.HTML(None, html_template=CURVES_HTML.replace("{alerts_id}", alerts_id), css_template=CSS,
                   js_on_load=_js("curves", channel), elem_id=elem_id, apply_default_css=False)
