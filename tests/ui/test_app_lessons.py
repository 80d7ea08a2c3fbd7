"""The lesson panel's endpoint in the real app: /share, as a page and as an attacker would call it."""

from __future__ import annotations

import math

import pytest

from gan_core.presets import get_preset
from ui.train.settings import KEYS, values_from_config


def share_inputs(lesson="", preset="ring8", **changes) -> list:
    """/share's inputs as the page sends them: lesson, its step (a State: null on the wire), preset, settings."""
    v = {**values_from_config(get_preset(preset)), **changes}
    return [lesson, None, preset, *[v[k] for k in KEYS]]


def test_share_gives_the_setups_query(capped_app, post_event):
    out = post_event(capped_app[1], "share", share_inputs(lr_d=0.0005, pack=4), "share-ok")
    assert out[0] == "?preset=ring8&lr_d=0.0005&pack=4"


@pytest.mark.parametrize("changes", [
    dict(lr_d=math.nan), dict(lr_g=math.inf), dict(seed=10**30), dict(seed=-1), dict(width=1e308),
    dict(label_smoothing=0.07), dict(pack="4; DROP TABLE"), dict(dataset="../../etc/passwd"),
])
def test_share_over_the_api_bounds_what_it_is_sent(changes, capped_app, post_event):
    """Whatever arrives, the answer is a link without the bad value and a note, or Gradio's own
    refusal with its reason: never a bare error, never the bad value in the link."""
    out = post_event(capped_app[1], "share", share_inputs(**changes), f"share-{abs(hash(str(changes)))}")
    if out[0] is None:  # refused by Gradio's own component checks, with a reason
        assert out[1] and out[1] != "None", out
    else:
        key = next(iter(changes))
        assert out[0].startswith("?preset=ring8") and f"{key}=" not in out[0], out
        assert key in out[1] and len(out[1]) < 400, out
    assert post_event(capped_app[1], "share", share_inputs(), "share-after")[0] == "?preset=ring8"
