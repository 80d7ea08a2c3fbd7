"""Act on a dropdown only when the student picked another entry (issue #26, item 6).

Gradio 6's Dropdown sends its `input` event on every blur, its value unchanged: tabbing past the Train
tab's Dataset menu (or clicking away from it) loaded ring8's settings over ring8-collapse's, tabbing
past the lesson menu went back to the lesson's first step, past the Latent tab's source menu reset the
sliders. `picked(...)` wires an `input` listener that hears only a real pick:

    dataset.input(**picked(on_dataset, "dataset", n_outputs), inputs=[...], outputs=[...])

Its `js` runs in the page before the event is sent: it compares the menu's text with the text the menu
had when it got the focus (ui/a11y.js keeps it in `data-picked-from`) or was last picked, and when they
are the same it sends None for the menu's value. The wrapped handler answers None with gr.skip() for
every output, so nothing changes. A pick by mouse sends `input` twice (the click, then the blur): the
second is the same text, so it is dropped too.
"""

from __future__ import annotations

import functools

import gradio as gr

# The page's side. `args` are the event's input values, the menu's first. The menu's text is read a frame
# later: Gradio writes a pick made with Enter into the box only after it sends the event.
PICKED_JS = """(...args) => new Promise((done) => requestAnimationFrame(() => {
  const box = document.querySelector('#%s input[role="combobox"]');
  if (box) {
    if (box.dataset.pickedFrom !== undefined && box.value === box.dataset.pickedFrom) args[0] = null;
    box.dataset.pickedFrom = box.value;
  }
  done(args);
}))"""


def only_picked(handler, n_outputs: int):
    """`handler`, except that a menu value of None (nothing picked: see PICKED_JS) changes nothing."""
    @functools.wraps(handler)
    def wrapped(value, *args, **kwargs):
        if value is None:
            return gr.skip() if n_outputs == 1 else [gr.skip()] * n_outputs
        return handler(value, *args, **kwargs)
    return wrapped


def picked(handler, elem_id: str, n_outputs: int) -> dict:
    """fn= and js= for a dropdown's `input` listener (its elem_id; the menu's value is the first input)."""
    return {"fn": only_picked(handler, n_outputs), "js": PICKED_JS % elem_id}
