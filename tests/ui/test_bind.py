"""ui.common.bind: a module-level handler with its context fixed, as Gradio reads an event handler."""

from __future__ import annotations

import gradio as gr
from gradio.helpers import special_args

from ui.common import bind


def handler(ctx: dict, ui: str, request: gr.Request, value, *rest):
    return ctx, ui, request, value, rest


def test_gradio_still_finds_the_request_parameter():
    bound = bind(handler, {"registry": 1}, "ui")
    inputs, _, _, _ = special_args(bound, [5, 6], request="the request")
    assert inputs == ["the request", 5, 6]
    assert bound(*inputs) == ({"registry": 1}, "ui", "the request", 5, (6,))
    assert bound.__name__ == "handler"  # (what Gradio names an event's API endpoint after, when it has no name)
