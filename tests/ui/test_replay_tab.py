"""The Replays tab's endpoints through the real app: a frame for a step, and hostile values (a name that
is a path, a step that is not a number or out of range) answered with a sentence, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_replay_endpoints_answer_and_refuse(client):
    c = client()
    picture, curves, line = c.predict("ring8", 200, api_name="/replay_move")
    assert Path(picture).is_file() and Path(curves).is_file() and "Step 200" in line
    slider, picture, curves, line, about = c.predict("mnist5k", 1000, api_name="/replay_source")
    assert "**Step 1,000** of 3,000" in line and "--preset mnist5k" in about
    refused = "no recorded run|not in the list of choices"  # ours, or Gradio's Dropdown's own refusal
    for name, step, why in (("../../etc/passwd", 100, refused), ("ring8.replay.npz", 0, refused),
                            # Gradio's Slider refuses these itself, with a sentence
                            ("ring8", "abc", "Expected a `float`"),
                            ("ring8", 1e308, "greater than maximum value"), ("ring8", -5, "less than minimum value")):
        with pytest.raises(Exception, match=why):  # gradio_client raises AppError with the page's sentence
            c.predict(name, step, api_name="/replay_move")
    _, _, line = c.predict("ring8", 2000, api_name="/replay_move")  # and the tab still works
    assert "**Step 2,000** of 4,000" in line
