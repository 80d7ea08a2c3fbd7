"""The live view's renderer (ui/live_view/live_view.js) in a real Chromium, given known numbers.

Each test hands the page a payload built in Python (as a button's answer would bring it), then reads
the canvas's pixels where the numbers say something must be: a point lands at its pixel, each layer
toggle hides and shows its layer, the curves' last point is drawn at its value, a NaN leaves a gap,
and a 390 px phone page (3x pixels, touch) draws the same. Reduced motion is on: no tween between frames.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ui.live_view import payload

expect = pytest.importorskip("playwright.sync_api").expect

BOUNDS = (-2.0, 2.0, -2.0, 2.0)
REAL_AT, FAKE_AT, EMPTY_AT = (1.0, 1.0), (-1.0, -1.0), (0.5, -1.5)


def known_field(heat_value: float = 0.0) -> dict:
    """One real point, one fake point, D = heat_value everywhere, G's grid and the arrows out of sight."""
    return {"bounds": BOUNDS, "real": np.array([REAL_AT]), "fake": np.array([FAKE_AT]),
            "arrows": np.zeros((1, 2)), "heat": np.full((30, 30), heat_value),
            "manifold": np.full((20, 20, 2), np.nan), "probability": True, "centers": None}


def known_value(field: dict, history: dict | None = None, step: int = 700) -> dict:
    rows = history or {"step": []}
    return {"token": None, "payload": {
        "schema": 1, "version": 1, "step": step, "status": "paused", "its": 0.0, "button": "Resume",
        "status_html": f"<p><strong>paused</strong> · step {step:,}</p>", "alerts_html": "<p>What the trainer sees</p>",
        "note": "", "objective": "nonsaturating", "probability": True,
        "history": {"from": 0, "rows": {k: [None if isinstance(v, float) and math.isnan(v) else v for v in vals]
                                        for k, vals in rows.items()}},
        "picture": payload.field_picture(field, step)}}


def open_page(browser, url: str, width: int, scale: int, touch: bool = False):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=scale,
                              has_touch=touch, is_mobile=touch, reduced_motion="reduce")
    page = ctx.new_page()
    page.goto(url)
    expect(page.locator("#live-picture canvas.gl-field")).to_be_attached(timeout=30_000)
    page.wait_for_function("() => window.GanLive !== undefined")
    return page


def show(page, value: dict) -> None:
    step = value["payload"]["picture"]["step"]
    page.evaluate("v => window.GanLive.show(v)", value)
    expect(page.locator(f"#live-picture .gl-picture[data-drawn-step='{step}']")).to_be_attached(timeout=10_000)


def pixel(page, canvas: str, xy) -> tuple[int, int, int]:
    """The canvas's colour at CSS px xy (its device pixels read back)."""
    return tuple(page.evaluate("""([sel, x, y]) => {
        const c = document.querySelector(sel), k = c.width / parseFloat(c.style.width);
        return Array.from(c.getContext('2d').getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data.slice(0, 3));
    }""", [canvas, xy[0], xy[1]]))


def field_pixel(page, xy) -> tuple[int, int, int]:
    where = page.evaluate("([x, y]) => window.GanLive.toPixel(x, y)", list(xy))
    return pixel(page, "#live-picture canvas.gl-field", where)


def greenish(c) -> bool:
    return c[1] > c[0] + 30 and c[1] > c[2] + 10


def purplish(c) -> bool:
    return c[0] > c[1] + 25 and c[2] > c[1] + 25


def near(c, want, tol: int = 12) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(c, want))


HEAT_0 = (139, 115, 156)  # PuOr_r at D = 0, at HEAT_ALPHA over white (field_draw.heat_lut()[0])


def check_points_and_layers(page) -> None:
    show(page, known_value(known_field(0.0)))
    assert greenish(field_pixel(page, REAL_AT)), field_pixel(page, REAL_AT)
    assert purplish(field_pixel(page, FAKE_AT)), field_pixel(page, FAKE_AT)
    assert near(field_pixel(page, EMPTY_AT), HEAT_0), field_pixel(page, EMPTY_AT)
    layers = page.locator("#live-picture .gl-layers")
    for label, at, hidden_colour in (("real points", REAL_AT, HEAT_0), ("fake points", FAKE_AT, HEAT_0),
                                     ("D's heat map", EMPTY_AT, (255, 255, 255))):
        before = field_pixel(page, at)
        layers.get_by_label(label).uncheck()
        assert near(field_pixel(page, at), hidden_colour), (label, field_pixel(page, at))
        layers.get_by_label(label).check()
        assert field_pixel(page, at) == before, label


def test_a_point_lands_at_its_pixel_and_each_layer_toggles(app_server, browser):
    _, url = app_server
    page = open_page(browser, url, 1280, 1)
    try:
        check_points_and_layers(page)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.locator("#live-picture .gl-layers").get_by_label("gradient arrows").uncheck()
        page.locator("#live-picture .gl-layers").get_by_label("gradient arrows").check()
        assert not requests  # a toggle redraws in the browser: no request
        # the hover readout reads D's value where the pointer is
        box = page.locator("#live-picture canvas.gl-field").bounding_box()
        x, y = page.evaluate("([x, y]) => window.GanLive.toPixel(x, y)", list(EMPTY_AT))
        page.mouse.move(box["x"] + x, box["y"] + y)
        expect(page.locator("#live-picture .gl-readout")).to_contain_text("D = 0.00")
    finally:
        page.context.close()


def test_a_phone_page_draws_the_same(app_server, browser, artifacts):
    _, url = app_server
    page = open_page(browser, url, 390, 3, touch=True)
    try:
        check_points_and_layers(page)
        width = page.evaluate("parseFloat(document.querySelector('#live-picture canvas.gl-field').style.width)")
        assert 240 <= width <= 390  # it fits the phone
        assert page.evaluate("document.querySelector('#live-picture canvas.gl-field').width") == round(width * 3)
        page.locator("#live-picture").screenshot(path=str(artifacts / "live_view_known_390.png"))
    finally:
        page.context.close()


def test_the_curves_last_point_is_at_its_value_and_a_nan_leaves_a_gap(app_server, browser):
    _, url = app_server
    page = open_page(browser, url, 1280, 2)
    steps = list(range(0, 100, 10))
    d_loss = [1.0, 1.0, 1.0, math.nan, math.nan, math.nan, 1.0, 1.0, 1.0, 2.0]
    history = {"step": steps, "d_loss": d_loss, "g_loss": [0.0] * 10}
    try:
        show(page, known_value(known_field(), history))
        expect(page.locator("#live-curves .gl-curves-box[data-rows='10']")).to_be_attached(timeout=10_000)

        def orange_near(step, value) -> bool:
            x, y = page.evaluate("([s, v]) => window.GanLive.curvePoint(0, s, v)", [step, value])
            around = [pixel(page, "#live-curves canvas.gl-curves", (x + dx, y + dy)) for dx in (-1, 0, 1)
                      for dy in (-1, 0, 1)]
            return any(c[0] > 180 and c[1] < 150 and c[2] < 90 for c in around)  # D loss's #e66101

        assert orange_near(90, 2.0)  # the last point, at its value
        assert orange_near(10, 1.0) and orange_near(75, 1.0)
        assert not orange_near(40, 1.0)  # inside the NaN's gap: nothing drawn
    finally:
        page.context.close()
