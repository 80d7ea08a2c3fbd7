"""GAN Classroom: a Gradio app for teaching GANs. Layout and event wiring only; the engine is gan_core.

Run: python app.py  (then open http://127.0.0.1:7860)
"""

from __future__ import annotations

import os

import gradio as gr

from gan_core import worker
from gan_core.sessions import SessionRegistry
from ui import diagnostics_tab, latent_tab, theory_tab, train_tab
from ui.common import AppContext, session_id
from ui.theme import CSS, HEADER

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def build_demo(ctx: AppContext | None = None) -> gr.Blocks:
    if ctx is None:
        ctx = AppContext(registry=SessionRegistry(trainer_factory=worker.trainer_factory()))
        worker.warm_up()  # the run processes' zygote imports torch now, not at the first Start
    with gr.Blocks(title="GAN Classroom", delete_cache=(600, 1800)) as demo:
        gr.Markdown(HEADER, elem_id="header")
        with gr.Tabs(elem_id="tabs"):
            train_tab.build(ctx)
            latent_tab.build(ctx)
            diagnostics_tab.build(ctx)
            theory_tab.build()

        def on_unload(request: gr.Request):
            ctx.registry.close(session_id(request))

        demo.unload(on_unload)
    demo.ctx = ctx  # tests reach the registry through this
    return demo


def main() -> None:
    demo = build_demo()
    demo.queue(default_concurrency_limit=8).launch(css=CSS, server_name=os.environ.get("GRADIO_SERVER_NAME"),
                                                   server_port=int(os.environ.get("PORT", os.environ.get("GRADIO_SERVER_PORT", 7860))))


if __name__ == "__main__":
    main()
