"""Drawing one's own data on a phone, in a real headless Chromium: a 390 px wide viewport with touch,
a ring drawn with a finger (real touch events through Chrome's input pipeline, so the canvas's pointer
handlers and `touch-action: none` are what is tested), then Start: the run trains on the drawing and
its fakes move onto it. The screenshot goes to tests/artifacts (docs/screenshot-draw-mobile.png is one)."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core.gan import build_gan

expect = pytest.importorskip("playwright.sync_api").expect

PHONE = dict(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2)


def draw_ring_with_a_finger(page, canvas, points: int = 48) -> None:
    """One stroke around the canvas centre at 0.4 of its width, as touch events (Chrome DevTools
    Protocol: the browser turns them into pointer events with pointerType "touch")."""
    box = canvas.bounding_box()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, 0.4 * box["width"]
    ring = [(cx + r * math.cos(t), cy + r * math.sin(t)) for t in (2 * math.pi * i / points for i in range(points + 1))]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": ring[0][0], "y": ring[0][1]}]})
    for x, y in ring[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def runs_on_own_points(registry) -> list:
    """The app's runs that train on a drawing (the registry has no public listing: tests only)."""
    with registry._lock:
        return [r for r in registry._runs.values() if r.cfg.data.name == "points"]


def mean_distance(fake, drawn: torch.Tensor) -> float:
    """Mean distance from each fake point to its nearest drawn point, in plane units."""
    return torch.cdist(torch.as_tensor(fake, dtype=torch.float32), drawn).min(1).values.mean().item()


def test_a_ring_drawn_with_a_finger_on_a_phone_trains_the_fakes_onto_it(app_server, browser, artifacts, wait_for):
    demo, url = app_server
    registry = demo.ctx.registry
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(url)
        page.locator("#own-data").get_by_text("Your own data").click()
        canvas = page.locator("#draw-canvas")
        canvas.scroll_into_view_if_needed()
        expect(canvas).to_be_visible()
        assert canvas.evaluate("c => getComputedStyle(c).touchAction") == "none"  # a finger draws, not scrolls
        assert canvas.bounding_box()["width"] <= 390
        scroll_before = page.evaluate("window.scrollY")
        draw_ring_with_a_finger(page, canvas)
        expect(page.locator("#own-message")).to_contain_text("points** from your drawing".replace("**", ""),
                                                             timeout=30_000)
        assert page.evaluate("window.scrollY") == scroll_before  # the stroke did not scroll the page
        expect(page.locator("#dataset input")).to_have_value("points (your own: draw or upload)")
        page.screenshot(path=str(artifacts / "draw_mobile_390.png"))

        before_runs = {id(r) for r in runs_on_own_points(registry)}
        page.locator("#start").click()
        expect(page.locator("#status")).to_contain_text("running", timeout=60_000)
        expect(page.locator("#status")).to_contain_text("points")
        run = wait_for(lambda: next((r for r in runs_on_own_points(registry) if id(r) not in before_runs), None))
        assert run is not None, "Start made no run on the drawing"
        drawn = torch.tensor(run.cfg.data.points)
        radii = drawn.norm(dim=1)
        assert len(drawn) > 200 and radii.min() > 1.8 and radii.max() < 2.2  # the ring, at ring8's radius

        untrained = build_gan(run.cfg, "cpu")  # what step 0 of this config makes: one blob in the middle
        with torch.no_grad():
            before = mean_distance(untrained.G_eval(untrained.sample_z(512, torch.Generator().manual_seed(0))), drawn)

        def trained_distance():
            field = run.snapshot().field
            d = mean_distance(field["fake"], drawn) if field is not None else float("inf")
            return d if d < 0.25 else None

        after = wait_for(trained_distance, timeout_s=240)
        print(f"mean distance of fakes to the drawing: {before:.3f} untrained, {after} at step "
              f"{run.snapshot().step}")
        assert before > 1.0 and after is not None and after < 0.25 * before, (before, after)
        page.locator("#live-picture").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "draw_mobile_390_trained.png"))
    finally:
        context.close()
