"""The Latent space tab: the model to look at (`sources.py`), sliders, PCA directions, lerp vs slerp,
the 2D plane (`view.py`, `plane.py`)."""
