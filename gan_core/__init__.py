"""GAN Classroom's engine: the textbook GAN in plain PyTorch (no UI, no serving machinery).

Read in this order, as a lecture goes:
    config.py, presets.py   what a run is (frozen dataclasses, loud validation) and the named recipes
    data/                   real data: 2D point sets, image sets, a student's own points or images
    noise.py, models/       z ~ p_z, and G and D (MLPs for 2D, DCGAN for images)
    losses.py               every objective as a pure function of D's logits, with its formula
    gan.py, train.py        what a run owns, and one step: D update(s), then G update(s)
    speedups.py             opt-in: compile, bf16, channels_last, fused Adam
    latent.py               latent-space maths: interpolation, PCA directions
    evaluation/             metrics, nearest neighbours, the digit classifier, verdicts, diagnose()
    pictures/               fields, grids and curves drawn with numpy + PIL
    slow_motion.py          one step in ten phases; replay*.py: recorded runs; checkpoint.py
    theory/                 optimal D, JSD, W1, Dirac-GAN in numpy
    __main__.py             the CLI (`python -m gan_core --help`)
"""

import os

# Before torch loads OpenMP: threads waiting for work sleep instead of spinning. On a busy CPU
# (several training threads, the web server, other users) spinning threads take the cores the
# work needs: a ring8 step took 5-15x longer on a loaded 2-core machine (docs/BENCHMARKS.md).
# Takes effect only when gan_core is imported before torch; set OMP_WAIT_POLICY to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
