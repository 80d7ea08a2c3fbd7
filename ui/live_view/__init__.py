"""The live view: the server sends a run's numbers, the browser draws them (issue #24).

    payload.py   Snapshot -> the JSON a poll answers (schema below), cached per run version
    feed.py      per-run tokens and the GET live/<token> route, answered before Gradio's queue
    component.py the two gr.HTML components (picture, curves) and their JavaScript
    live_view.js the renderer: GAN Lab's layered field and the three curve panels on canvases
"""
