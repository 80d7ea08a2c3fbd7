"""GAN Classroom engine: plain PyTorch, no UI code.

Read in this order: config -> data -> models -> losses -> train -> trainer -> metrics.
"""

__version__ = "0.1.0"
