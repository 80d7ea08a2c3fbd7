"""GAN Classroom engine: plain PyTorch, no UI code.

Read in this order: config -> data -> models -> losses -> train -> trainer -> metrics.
"""

import os

# Before torch loads OpenMP: threads waiting for work sleep instead of spinning. On a busy CPU
# (several training threads, the web server, other users) spinning threads take the cores the
# work needs: a ring8 step took 5-15x longer on a loaded 2-core machine (docs/BENCHMARKS.md).
# Takes effect only when gan_core is imported before torch; set OMP_WAIT_POLICY to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
