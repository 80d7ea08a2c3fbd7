"""What each Train-tab setting accepts from text (a link's query): the widget's own range, strictly.

No gradio here. `BOUNDS` mirrors the Train tab's widgets (ui/train/layout.py: slider ranges and steps,
dropdown choices, Number limits) tightened by RunConfig's validation where it is stricter (a learning
rate is in (0, 1], not [0, 1]); tests/ui/test_url_state.py checks the table against the built widgets.
`parse_setting` turns one text value into the widget's value or raises `BadValue` with a sentence;
`format_setting` writes a widget value back as text that parses to the same value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from gan_core.config import MAX_SEED, OBJECTIVES, OWN_POINTS
from gan_core.errors import ClassroomError
from ui.train.settings import DATASETS, KEYS

MAX_VALUE_CHARS = 40  # longer text is refused unread: no real setting needs more ("0.00050000000000000001")
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # the Train tab's batch-size dropdown
EMA_DECAYS = (0.0, 0.9, 0.99, 0.995, 0.999, 0.9999)  # the Train tab's EMA dropdown (0.9: the collapse lesson)
OWN_DATASETS = (OWN_POINTS, "folder")  # drawn or uploaded on one page (ui/train/own_data.py): not in links
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class BadValue(ClassroomError, ValueError):
    """A value a link may not set; the message is a sentence for the page."""


@dataclass(frozen=True)
class Bound:
    kind: str  # "int", "float", "bool" or "choice"
    low: float = 0.0  # numbers: the smallest value allowed
    high: float = 0.0  # numbers: the largest value allowed
    step: float = 0.0  # numbers: the value must sit on the slider's grid low + k * step; 0 = any
    low_open: bool = False  # numbers: low itself is refused (a learning rate of 0)
    choices: tuple = ()  # "choice": the values allowed (numbers compare as numbers)

    def __post_init__(self) -> None:
        if self.kind not in ("int", "float", "bool", "choice"):
            raise ValueError(f"unknown bound kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError("a choice bound needs its choices")


BOUNDS: dict[str, Bound] = {
    "dataset": Bound("choice", choices=DATASETS),
    "objective": Bound("choice", choices=OBJECTIVES),
    "lr_g": Bound("float", 0.0, 1.0, low_open=True),
    "lr_d": Bound("float", 0.0, 1.0, low_open=True),
    "d_steps": Bound("int", 1, 10),
    "width": Bound("int", 8, 256, step=8),
    "depth": Bound("int", 0, 8),
    "nz": Bound("int", 1, 128),
    "batch_size": Bound("choice", choices=BATCH_SIZES),
    "beta1_g": Bound("float", 0.0, 0.999),
    "beta2_g": Bound("float", 0.0, 0.9999),
    "beta1_d": Bound("float", 0.0, 0.999),
    "beta2_d": Bound("float", 0.0, 0.9999),
    "seed": Bound("int", 0, MAX_SEED),
    "conditional": Bound("bool"),
    "label_smoothing": Bound("float", 0.0, 0.3, step=0.05),
    "instance_noise": Bound("float", 0.0, 1.0, step=0.05),
    "spectral_norm": Bound("bool"),
    "minibatch_std": Bound("bool"),
    "pack": Bound("int", 1, 8),
    "unrolled_steps": Bound("int", 0, 10),
    "feature_matching": Bound("bool"),
    "grad_clip": Bound("float", 0.0, 10.0, step=0.5),
    "ema": Bound("choice", choices=EMA_DECAYS),
    "r1_gamma": Bound("float", 0.0, 10.0, step=0.5),
}
if set(BOUNDS) != set(KEYS):
    raise RuntimeError(f"every Train-tab setting needs exactly one bound: {sorted(set(BOUNDS) ^ set(KEYS))}")


def shown(text: object, limit: int = 24) -> str:
    """A client's text made safe to echo in a note: plain characters only, cut short."""
    text = str(text)
    cut = re.sub(r"[^A-Za-z0-9._+\-]", "?", text[:limit])
    return cut + ("…" if len(text) > limit else "")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadValue("is not a number") from None
    if not math.isfinite(value):
        raise BadValue("is not a finite number")
    return value


def _on_grid(value: float, bound: Bound) -> bool:
    k = (value - bound.low) / bound.step
    return abs(k - round(k)) < 1e-6


def parse_setting(key: str, text: str):
    """The widget value for `key` written as `text`, or BadValue saying why not."""
    bound = BOUNDS[key]
    if not isinstance(text, str):
        raise BadValue("is not text")
    if len(text) > MAX_VALUE_CHARS:
        raise BadValue(f"is longer than {MAX_VALUE_CHARS} characters")
    text = text.strip()
    if bound.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise BadValue("must be true or false")
    if bound.kind == "choice":
        if key == "dataset" and text in OWN_DATASETS:
            raise BadValue("is a student's own data, which stays on their page: a link cannot carry it")
        if isinstance(bound.choices[0], str):
            if text in bound.choices:
                return text
        else:
            value = _number(text)
            for choice in bound.choices:
                if value == choice:
                    return choice
        raise BadValue(f"must be one of {', '.join(map(str, bound.choices))}")
    value = _number(text)
    too_low = value <= bound.low if bound.low_open else value < bound.low
    if too_low or value > bound.high:
        bracket = "(" if bound.low_open else "["
        number = "{:,.0f}" if bound.kind == "int" else "{:g}"
        raise BadValue(f"must be in {bracket}{number.format(bound.low)}, {number.format(bound.high)}]")
    if bound.kind == "int" and value != int(value):
        raise BadValue("must be a whole number")
    if bound.step and not _on_grid(value, bound):
        raise BadValue(f"must be a multiple of {bound.step:g}")
    return int(value) if bound.kind == "int" else value


def format_setting(key: str, value) -> str:
    """`value` as link text: parse_setting(key, format_setting(key, value)) == value."""
    bound = BOUNDS[key]
    if bound.kind == "bool":
        return "true" if value else "false"
    if bound.kind == "int" or (bound.kind == "choice" and value in bound.choices and isinstance(value, int)):
        return str(int(value))
    if isinstance(value, str):
        return value
    return repr(float(value))  # the shortest text that reads back as the same float
