"""The Train tab's live fixes as plain values (ui/train/live_fixes.py, ui/train/settings.py, ui/train/view.py):
the notice's sentence, the status line's list, and which setting changes make a new run."""

from __future__ import annotations

import pytest

from gan_core.presets import get_preset, preset_names
from live.run import LiveSettings
from live.single.live_fixes import LIVE_KEYS as RUN_LIVE_KEYS
from ui.train.live_fixes import FIX_KEYS, change_sentence
from ui.train.settings import LIVE_KEYS, live_settings, same_run
from ui.train.view import fixes_text

OFF = {"r1_gamma": 0.0, "instance_noise": 0.0, "unrolled_steps": 0, "feature_matching": False}


def test_the_tab_and_the_runs_agree_on_what_applies_live():
    assert set(LIVE_KEYS) == set(RUN_LIVE_KEYS) and set(FIX_KEYS) < set(LIVE_KEYS)


def test_the_notice_says_what_changed_and_where():
    sentence = change_sentence(OFF, {**OFF, "unrolled_steps": 5}, 1234)
    assert "step 1,234" in sentence and "unrolled D (5 steps)" in sentence and "Same run" in sentence
    both = change_sentence({**OFF, "r1_gamma": 1.0}, {**OFF, "instance_noise": 0.2}, 7)
    assert "R1 off" in both and "instance noise (std 0.2, fading to 0)" in both
    assert change_sentence(OFF, dict(OFF), 50) == ""  # nothing changed: no notice


def test_the_status_line_lists_the_fixes_that_are_on():
    assert fixes_text(OFF) == "" and fixes_text({}) == ""
    assert fixes_text({**OFF, "r1_gamma": 1.0, "feature_matching": True}) == ", R1 gamma 1, feature matching"


@pytest.mark.parametrize("name", preset_names())
def test_every_presets_live_values_are_within_the_live_bounds(name):
    LiveSettings(**live_settings(get_preset(name)))  # Start applies them to a run it keeps


def test_a_live_fix_keeps_the_run_and_other_changes_make_a_new_one():
    cfg = get_preset("ring8-collapse")
    assert same_run(cfg, cfg.replace(train={"unrolled_steps": 5}, loss={"r1_gamma": 1.0, "feature_matching": True,
                                                                        "instance_noise": 0.1}))
    assert not same_run(cfg, cfg.replace(loss={"label_smoothing": 0.1}))
    unrolled = cfg.replace(train={"unrolled_steps": 5})
    assert not same_run(unrolled, get_preset("digits"))  # (its live values do not fit images: no error, a new run)
