"""Gradio UI for GAN Classroom: one module per tab, each with `build(ctx)`. The engine is gan_core."""
