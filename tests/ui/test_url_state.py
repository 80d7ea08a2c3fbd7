"""Links in and out: a query read into a page setup (bounded, hostile values become notes) and the
page's settings written back as a link that reads to the same values. Plus: the bounds table agrees
with the Train tab's real widgets."""

from __future__ import annotations

import math
import random
from urllib.parse import parse_qsl

import pytest

from gan_core.presets import PRESETS, get_preset
from ui.lessons.catalogue import LESSONS
from ui.lessons.url_state import (
    MAX_QUERY_ITEMS,
    LinkRequest,
    page_setup,
    parse_query,
    query_items,
    share_query,
    step_values,
)
from ui.train.bounds import BOUNDS, MAX_VALUE_CHARS, BadValue, format_setting, parse_setting
from ui.train.settings import DEFAULT_PRESET, KEYS, config_from_values, values_from_config

COLLAPSE_STEPS = f"steps 1 to {len(LESSONS['collapse'].steps)}"  # what a bad step number is told


def setup_of(query: str):
    return page_setup(parse_query(parse_qsl(query.lstrip("?"), keep_blank_values=True)))


# -- reading a link ------------------------------------------------------------------------------------

def test_a_lesson_link_sets_tab_preset_and_overrides():
    s = setup_of("?lesson=healthy&step=4")
    step = LESSONS["healthy"].steps[3]
    assert step.overrides  # (a step with overrides on top of its preset)
    assert (s.lesson, s.step, s.tab, s.preset) == ("healthy", 3, step.tab, step.preset)
    assert s.values == step_values(step) and s.values["lr_d"] == 0.1 and not s.notes


def test_link_settings_go_on_top_of_the_step():
    s = setup_of("?lesson=healthy&step=4&lr_g=0.0005&tab=theory")
    assert s.values["lr_g"] == 0.0005 and s.values["lr_d"] == 0.1 and s.tab == "theory"


def test_a_preset_other_than_the_steps_replaces_its_overrides():
    s = setup_of("?lesson=collapse&step=3&preset=grid25")
    assert s.preset == "grid25" and s.values == values_from_config(get_preset("grid25"))


def test_settings_alone_open_the_train_tab_on_the_default_preset():
    s = setup_of("?lr_d=0.0005")
    assert (s.tab, s.preset, s.values["lr_d"]) == ("train", DEFAULT_PRESET, 0.0005)


def test_the_briefs_example_link():
    s = setup_of("?preset=grid25&lr_d=0.0005")
    assert s.preset == "grid25" and s.values["lr_d"] == 0.0005 and not s.notes
    config_from_values(s.values, s.preset)  # a valid run


def test_a_step_leaving_the_train_tab_alone():
    s = setup_of("?lesson=theory&step=2")
    assert (s.tab, s.preset, s.values) == ("theory", "", None)


def test_no_known_keys_is_an_empty_request():
    assert parse_query([]).empty
    assert parse_query([("room", "abc"), ("utm_source", "x"), ("__theme", "dark")]).empty


@pytest.mark.parametrize("query, words", [
    ("lesson=nope", "no lesson"),
    ("lesson=collapse&step=99", COLLAPSE_STEPS),
    ("lesson=collapse&step=0", COLLAPSE_STEPS),
    ("lesson=collapse&step=-1", COLLAPSE_STEPS),
    ("lesson=collapse&step=1.5", COLLAPSE_STEPS),
    ("lesson=collapse&step=" + "9" * 10_000, COLLAPSE_STEPS),
    ("step=2", "no lesson"),
    ("tab=admin", "no tab"),
    ("preset=../../etc/passwd", "no preset"),
    ("lr_d=0", "(0, 1]"),
    ("lr_d=1.5", "(0, 1]"),
    ("lr_d=1e999", "finite"),
    ("lr_d=nan", "finite"),
    ("lr_d=-inf", "finite"),
    ("lr_d=0x10", "not a number"),
    ("lr_d=", "not a number"),
    ("seed=" + "9" * 10_000, "longer than"),
    ("seed=99999999999", "must be in"),
    ("seed=1.5", "whole number"),
    ("width=20", "multiple of 8"),
    ("width=1e308", "must be in"),
    ("batch_size=100", "one of"),
    ("ema=0.5", "one of"),
    ("dataset=folder", "own data"),
    ("dataset=points", "own data"),
    ("dataset=../../etc", "one of"),
    ("objective=<script>", "one of"),
    ("spectral_norm=maybe", "true or false"),
    ("label_smoothing=0.07", "multiple of 0.05"),
    ("lr_d=0.001&lr_d=0.002", "different values"),
])
def test_hostile_values_become_notes_and_defaults(query, words):
    s = setup_of(query)
    assert len(s.notes) == 1 and words in s.notes[0], s.notes
    assert len(s.notes[0]) < 300  # a 10,000-character value is not echoed
    assert "<" not in s.notes[0]
    if s.values is not None:
        config_from_values(s.values, s.preset)  # whatever was kept is a valid run


def test_repeated_equal_values_are_fine():
    s = setup_of("lr_d=0.001&lr_d=0.001&room=a&room=b")
    assert s.values["lr_d"] == 0.001 and not s.notes


def test_unknown_keys_get_no_note():
    s = setup_of("room=abc&lr_d=0.001&" + "&".join(f"junk{i}=1" for i in range(100)))
    assert not s.notes and s.values["lr_d"] == 0.001


def test_settings_that_do_not_fit_together_are_dropped_one_by_one():
    # pack 3 does not divide ring8's batch of 128; the rest of the link still applies
    s = setup_of("preset=ring8&pack=3&lr_d=0.003")
    assert s.values["pack"] == 2 and s.values["lr_d"] == 0.003
    assert len(s.notes) == 1 and "pack=3" in s.notes[0]
    # ...but settings that only fit together are taken together
    s = setup_of("preset=ring8&batch_size=96&pack=3")
    assert "one of" in s.notes[0]
    s = setup_of("preset=ring8&batch_size=256&pack=8")
    assert (s.values["batch_size"], s.values["pack"]) == (256, 8) and not s.notes


def test_conditional_on_2d_data_is_refused_with_a_note():
    s = setup_of("preset=ring8&conditional=true")
    assert s.values["conditional"] is False and "class labels" in s.notes[0]


def test_query_items_reads_multi_dicts_mappings_and_caps_the_count():
    from starlette.datastructures import QueryParams

    assert query_items(QueryParams("a=1&a=2&b=3")) == [("a", "1"), ("a", "2"), ("b", "3")]
    assert query_items({"a": "1"}) == [("a", "1")]
    assert query_items(None) == []
    many = QueryParams("&".join(f"k{i}=v" for i in range(5_000)))
    assert len(query_items(many)) == MAX_QUERY_ITEMS


def test_parse_query_never_raises_on_random_junk():
    rng = random.Random(0)
    alphabet = "abc019.-+eE_%<>&=;\x00 nanif"
    keys = ["lesson", "step", "tab", "preset", *KEYS, "room", ""]
    for _ in range(2_000):
        items = [(rng.choice(keys), "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))
                 for _ in range(rng.randint(0, 6))]
        s = page_setup(parse_query(items))
        if s.values is not None:
            config_from_values(s.values, s.preset)


# -- the bounds --------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_presets_values_pass_the_bounds(preset):
    for key, value in values_from_config(get_preset(preset)).items():
        assert parse_setting(key, format_setting(key, value)) == value, key


@pytest.mark.parametrize("key", KEYS)
def test_bounds_edges(key):
    b = BOUNDS[key]
    if b.kind in ("int", "float"):
        assert parse_setting(key, repr(b.high)) == b.high
        if not b.low_open:
            assert parse_setting(key, repr(b.low)) == b.low
        for outside in (b.low - 1, b.high + 1, b.high * 10 + 1):
            with pytest.raises(BadValue):
                parse_setting(key, repr(outside))
    with pytest.raises(BadValue):
        parse_setting(key, "x" * (MAX_VALUE_CHARS + 1))
    with pytest.raises(BadValue):
        parse_setting(key, None)


def test_bounds_match_the_train_tabs_widgets():
    """Each bound is the widget's own range (a learning rate's open 0 is RunConfig's)."""
    import gradio as gr

    from ui.common import AppContext
    from ui.train import tab as train_tab

    with gr.Blocks():
        with gr.Tabs():
            handles = train_tab.build(AppContext(registry=None))
    assert len(handles.settings) == len(KEYS)
    for key, widget in zip(KEYS, handles.settings):
        b = BOUNDS[key]
        if isinstance(widget, gr.Dropdown):
            values = tuple(v for _, v in widget.choices)
            assert b.kind == "choice" and tuple(b.choices) == values, key
        elif isinstance(widget, gr.Checkbox):
            assert b.kind == "bool", key
        elif isinstance(widget, gr.Slider):
            assert (widget.minimum, widget.maximum) == (b.low, b.high), key
            integral = float(widget.step).is_integer() and float(widget.minimum).is_integer()
            assert b.kind == ("int" if integral else "float"), key
            assert b.step in (0, widget.step) and (b.step == widget.step or widget.step == 1), key
        elif isinstance(widget, gr.Number):
            if widget.precision == 0:
                assert b.kind == "int" and b.low == 0 and widget.maximum is None, key  # the seed
            else:
                assert (widget.minimum, widget.maximum) == (b.low, b.high) and b.kind == "float", key
        else:
            raise AssertionError(f"{key}: a widget this test does not know: {type(widget).__name__}")


# -- writing a link ----------------------------------------------------------------------------------

def _random_values(rng: random.Random) -> tuple[str, dict]:
    """A preset, then each setting changed to a random in-bounds value, kept if the config stays valid."""
    preset = rng.choice(list(PRESETS))
    values = values_from_config(get_preset(preset))
    for key in rng.sample(KEYS, len(KEYS)):
        b = BOUNDS[key]
        if b.kind == "choice":
            new = rng.choice(b.choices)
        elif b.kind == "bool":
            new = not values[key]
        elif b.step:
            new = b.low + b.step * rng.randint(0, round((b.high - b.low) / b.step))
            new = int(new) if b.kind == "int" else round(new, 10)
        elif b.kind == "int":
            new = rng.randint(int(b.low) + (1 if b.low_open else 0), int(min(b.high, 10_000)))
        else:
            new = float(f"{rng.uniform(b.low, b.high):.6g}") or b.high
        trial = {**values, key: new}
        try:
            config_from_values(trial, preset)
        except Exception:
            continue
        values = trial
    return preset, values


@pytest.mark.parametrize("seed", range(40))
def test_share_round_trips_every_setting(seed):
    rng = random.Random(seed)
    preset, values = _random_values(rng)
    lesson = rng.choice(["", *LESSONS])
    step = rng.randrange(len(LESSONS[lesson].steps)) if lesson else 0
    query, notes = share_query(lesson, step, preset, values)
    assert not notes and query.startswith("?")
    s = setup_of(query)
    assert not s.notes and s.values == values and (s.lesson, s.step) == (lesson, step)


def test_share_of_untouched_presets_and_steps_is_short():
    assert share_query("", 0, "grid25", values_from_config(get_preset("grid25")))[0] == "?preset=grid25"
    step = LESSONS["collapse"].steps[2]
    assert share_query("collapse", 2, step.preset, step_values(step))[0] == "?lesson=collapse&step=3"
    query = share_query("", 0, "ring8", {**values_from_config(get_preset("ring8")), "lr_d": 0.0005})[0]
    assert query == "?preset=ring8&lr_d=0.0005"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1, "abc", None, [1, 2], {"a": 1}, 10**400, "9" * 10_000])
def test_share_leaves_out_what_the_page_cannot_have_sent(bad):
    values = {**values_from_config(get_preset("ring8")), "lr_d": bad, "seed": bad, "dataset": bad}
    query, notes = share_query("nope", 99, "nope", values)
    assert query == "?preset=ring8" and len(notes) == 3 and all(len(n) < 200 for n in notes)


def test_link_request_is_frozen():
    with pytest.raises(Exception):
        LinkRequest().lesson = "x"
