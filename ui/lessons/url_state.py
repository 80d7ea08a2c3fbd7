"""A page's setup from its link, and a link from a page's setup: pure functions, no gradio.

A link's query names a lesson step and/or Train-tab settings:
    ?lesson=collapse&step=3                  the step's tab, preset and overrides
    ?preset=grid25&lr_d=0.0005&pack=4        a preset with settings on top (keys: ui/train_settings.KEYS)
    ?lesson=collapse&step=3&lr_d=0.0005      both: the link's settings go on top of the step's
    &tab=theory                              which tab opens (else the step's, else the page's first)
Precedence: the step's preset and overrides, unless the link names another `preset` (then that
preset's own settings); then the link's settings, each kept only if the whole config stays valid.

Nothing in a query is trusted: `parse_query` reads only the keys it knows (others, such as `room`,
belong to other features and are left alone without a note), bounds each value by the Train tab's
own widget range (ui/train/bounds.py), and turns every value it cannot use into a note for the
page, never an error. `share_query` writes the inverse: the page's settings as the shortest query
that reads back to the same widget values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from gan_core.config import ConfigError
from gan_core.presets import PRESETS, get_preset
from ui.lessons.catalogue import LESSONS, TABS, Step
from ui.train.bounds import BOUNDS, BadValue, format_setting, parse_setting, shown
from ui.train.settings import DEFAULT_PRESET, KEYS, config_from_values, values_from_config

PAGE_KEYS = ("lesson", "step", "tab", "preset")  # what a link sets besides the Train-tab settings
MAX_QUERY_ITEMS = 500  # a query's first items are read; the rest are ignored (a real link has < 40)


@dataclass(frozen=True)
class LinkRequest:
    """What a query asks for, each value already bounded (or dropped with a note)."""
    lesson: str = ""  # a key of LESSONS, or "" for none
    step: int = 0  # index into the lesson's steps (the link's step 1 is index 0)
    tab: str = ""  # one of TABS, or "" for the step's / the page's first
    preset: str = ""  # a key of PRESETS, or ""
    settings: dict = field(default_factory=dict)  # Train-tab key -> widget value (each within its bound)
    notes: tuple[str, ...] = ()  # one sentence per value that was not used

    @property
    def empty(self) -> bool:
        return not (self.lesson or self.tab or self.preset or self.settings or self.notes)


@dataclass(frozen=True)
class PageSetup:
    """What the page shows: which tab, which lesson step, and the Train tab's widgets."""
    tab: str = ""  # tab to select, "" to leave the page's selection
    lesson: str = ""  # lesson key, "" for none
    step: int = 0  # step index in the lesson
    preset: str = ""  # the Train tab's preset; "" leaves the Train tab as it is
    values: dict | None = None  # every Train-tab widget value (KEYS), None with preset ""
    notes: tuple[str, ...] = ()


def query_items(params) -> list[tuple[str, str]]:
    """(key, value) pairs of a query: Starlette's QueryParams (repeats kept) or a plain mapping."""
    if params is None:
        return []
    if hasattr(params, "multi_items"):
        items = params.multi_items()
    elif hasattr(params, "items"):
        items = params.items()
    else:
        items = params
    return [(str(k), str(v)) for k, v in list(items)[:MAX_QUERY_ITEMS]]


def _single(key: str, values: list[str], notes: list[str]) -> str | None:
    """The one value a key was given; a key repeated with different values is not used."""
    if len(set(values)) > 1:
        notes.append(f"`{key}` was given {len(values)} different values in the link; it was not used.")
        return None
    return values[0]


def _known(one: dict, key: str, known, notes: list[str], missing: str) -> str:
    """one[key] when it is one of `known`, else "" (and the note `missing`, if the key was given)."""
    value = one.get(key)
    if value is None:
        return ""
    if value in known:
        return value
    notes.append(missing.format(shown(value)))
    return ""


def parse_query(items: list[tuple[str, str]]) -> LinkRequest:
    """Bound every value the page knows; everything unusable becomes a note (pure, never raises)."""
    given: dict[str, list[str]] = {}
    for key, value in items:
        if key in PAGE_KEYS or key in BOUNDS:
            given.setdefault(key, []).append(value)
    notes: list[str] = []
    one = {key: _single(key, values, notes) for key, values in given.items()}
    step = 0
    lesson = _known(one, "lesson", LESSONS, notes, "There is no lesson `{}` (lessons: " + ", ".join(LESSONS) + ").")
    if one.get("step") is not None:
        text = one["step"]
        if not lesson:
            if "lesson" not in given:  # (an unknown lesson has its note already)
                notes.append("The link gives a `step` but no lesson; it was not used.")
        elif len(text) <= 4 and text.strip().isdigit() and 1 <= int(text) <= len(LESSONS[lesson].steps):
            step = int(text) - 1
        else:
            notes.append(f"`step={shown(text)}`: lesson `{lesson}` has steps 1 to {len(LESSONS[lesson].steps)}; "
                         "showing step 1.")
    tab = _known(one, "tab", TABS, notes, "There is no tab `{}` (tabs: " + ", ".join(TABS) + ").")
    preset = _known(one, "preset", PRESETS, notes, "There is no preset `{}`.")
    settings = {}
    for key in KEYS:
        if one.get(key) is None:
            continue
        try:
            settings[key] = parse_setting(key, one[key])
        except BadValue as e:
            notes.append(f"`{key}={shown(one[key])}` {e}.")
    return LinkRequest(lesson, step, tab, preset, settings, tuple(notes))


def step_values(step: Step) -> dict | None:
    """The Train-tab widget values a lesson step sets up (None when it leaves the Train tab alone)."""
    if step.preset is None:
        return None
    return {**values_from_config(get_preset(step.preset)), **dict(step.overrides)}


def _misfit(values: dict, preset: str) -> str:
    """Why the widget values make no valid run config with `preset`; "" when they do."""
    try:
        config_from_values(values, preset)
    except ConfigError as e:
        return str(e)
    return ""


def _with_settings(preset: str, base: dict, settings: dict, notes: list[str]) -> dict:
    """`base` with the link's settings on top: all at once when they fit together, else one at a
    time (in the tab's order), each kept only if the config stays valid."""
    if not _misfit({**base, **settings}, preset):
        return {**base, **settings}
    values = dict(base)
    for key in KEYS:
        if key in settings:
            reason = _misfit({**values, key: settings[key]}, preset)
            if reason:
                notes.append(f"`{key}={format_setting(key, settings[key])}` does not fit the other settings "
                             f"({reason}); kept {format_setting(key, values[key])}.")
            else:
                values[key] = settings[key]
    return values


def page_setup(request: LinkRequest) -> PageSetup:
    """The page a link asks for: the lesson step, then the link's preset, then its settings."""
    notes = list(request.notes)
    step = LESSONS[request.lesson].steps[request.step] if request.lesson else None
    tab = request.tab or (step.tab if step else ("train" if request.preset or request.settings else ""))
    if request.preset and (step is None or request.preset != step.preset):
        preset, base = request.preset, values_from_config(get_preset(request.preset))
    elif step is not None and step.preset is not None:
        preset, base = step.preset, step_values(step)
    elif request.settings:
        preset, base = DEFAULT_PRESET, values_from_config(get_preset(DEFAULT_PRESET))
    else:
        return PageSetup(tab, request.lesson, request.step, "", None, tuple(notes))
    values = _with_settings(preset, base, request.settings, notes)
    return PageSetup(tab, request.lesson, request.step, preset, values, tuple(notes))


def share_query(lesson: str, step: int, preset: str, values: dict) -> tuple[str, tuple[str, ...]]:
    """("?lesson=..&step=..&preset=..&key=value..", notes): the shortest query that sets up the same
    Train-tab values (only those that differ from what the lesson step or preset sets anyway)."""
    notes = []
    query: dict[str, str] = {}
    step_obj = None
    if isinstance(lesson, str) and lesson in LESSONS and 0 <= step < len(LESSONS[lesson].steps):
        query.update(lesson=lesson, step=str(step + 1))
        step_obj = LESSONS[lesson].steps[step]
    if not isinstance(preset, str) or preset not in PRESETS:
        preset = DEFAULT_PRESET
    base = step_values(step_obj) if step_obj is not None and step_obj.preset == preset else None
    if base is None:
        base = values_from_config(get_preset(preset))
        query["preset"] = preset
    for key in KEYS:
        try:  # the values come from the page (or a client posing as one): any type, any size
            text = format_setting(key, values.get(key))
            value = parse_setting(key, text)
        except (TypeError, ValueError, OverflowError) as e:  # BadValue is a ValueError
            text = str(values.get(key))
            notes.append(f"`{key}={shown(text)}` {e if isinstance(e, BadValue) else 'is not a valid value'}; "
                         "the link leaves it out.")
            continue
        if value != base[key]:
            query[key] = text
    return "?" + urlencode(query), tuple(notes)
