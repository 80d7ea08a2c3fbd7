"""The live-runs layer: runs as students see them, and how they are scheduled.

It builds on `gan_core` (the textbook GAN) and never imports gradio or the UI. `live.batched`
steps many students' runs of one architecture in one call.
"""
