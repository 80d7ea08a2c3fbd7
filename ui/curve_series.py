"""The training curves every tab draws (Train, a room's class run, Replays): which series go in
which panel, their labels and colours, and when D's panel gets the 0.5 equilibrium line."""

from __future__ import annotations

from gan_core.config import CRITIC_OBJECTIVES

# (panel title, y-axis title, ((history key, label, colour), ...)), top to bottom
PANELS = (("Losses", "loss", (("d_loss", "D loss", "#e66101"), ("g_loss", "G loss", "#5e3c99"))),
          ("D(x) and D(G(z))", "D output (mean)", (("d_real", "D(x) real", "#1a9850"),
                                                   ("d_fake", "D(G(z)) fake", "#762a83"))),
          ("Gradient norms", "norm", (("grad_norm_d", "D grad norm", "#e66101"),
                                      ("grad_norm_g", "G grad norm", "#5e3c99"))))
D_PANEL = 1  # the panel of D's outputs
CRITIC_TITLE = "critic scores"  # its title when D is a critic
EQUILIBRIUM, EQUILIBRIUM_COLOUR = "0.5 (equilibrium)", "#777777"


def is_critic(objective: str) -> bool:
    """D's output is an unbounded score (WGAN, WGAN-GP, hinge): no probability, no 0.5 line."""
    return objective in CRITIC_OBJECTIVES or objective == "hinge"
