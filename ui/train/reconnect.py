"""A student's run belongs to their browser, not to one page load: a reload, Back/Forward or a second
tab finds the same run, its settings and its board tile.

The page keeps a random token in the browser (localStorage: 128 bits from crypto.getRandomValues, so
never guessable and never a path) and sends it once, when it loads (TOKEN_JS, run by demo.load before
the handler). The registry (live/serving/sessions.py: claim, leave) owns runs by that token; this handler moves
the browser's run to the new page and puts its settings back in the widgets, so Start goes on with it
instead of making a new one.
"""

from __future__ import annotations

import gradio as gr

from gan_core.presets import preset_names
from ui.common import AppContext, session_id
from ui.train.settings import KEYS, values_from_config

# the browser's token: made once, kept in localStorage (a browser that refuses storage gets a new one per page)
TOKEN_JS = """() => {
  const key = "gan-classroom-browser";
  let token = null;
  try { token = window.localStorage.getItem(key); } catch (e) {}
  if (!token || !/^[0-9a-f]{32}$/.test(token)) {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    try { window.localStorage.setItem(key, token); } catch (e) {}
  }
  return [token];
}"""


def token_box() -> gr.Textbox:
    """Where the page's token travels to the handler (never shown)."""
    return gr.Textbox("", visible=False, elem_id="browser-token")


def handler(ctx: AppContext, n_outputs: int):
    """on_load(token, request) -> [preset, *settings, notice, live view]: the browser's run, if it has one."""

    def on_load(token, request: gr.Request):
        sid = session_id(request)
        old = ctx.registry.claim(sid, token)
        run = None if old is None else ctx.registry.get(sid)
        if run is None:
            return [gr.skip()] * n_outputs
        ctx.rooms.move(old, sid)  # (its board tile and nickname come along)
        snap = run.snapshot()
        values = values_from_config(run.cfg)
        values.update(lr_g=snap.lr_g, lr_d=snap.lr_d, d_steps=snap.d_steps, **snap.fixes)  # as changed live
        name = ctx.registry.made_from(sid)
        preset = name if name in preset_names() else gr.skip()
        note = (f"**Welcome back: your run is still here** (step {snap.step:,}, {snap.status}"
                + (f", {name}" if name else "") + "). Press Start to go on with it.")
        return [preset, *[values[k] for k in KEYS], note, ctx.feed.value(sid, run, snap)]  # (its new token)

    return on_load
