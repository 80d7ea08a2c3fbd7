"""Page header and CSS shared by all tabs."""

HEADER = """# GAN Classroom
Watch a Generative Adversarial Network learn, live: a **generator** G turns noise z into samples, a
**discriminator** D tries to tell them from real data, and each learns from the other.
**Train** a GAN, explore its **latent space**, and **diagnose mode collapse** with numbers."""

CSS = """
#header h1 { margin-bottom: 0.2em; }
.alert-box { border-left: 4px solid #d73027; padding-left: 8px; }
.lesson-nav { align-self: end; }  /* the lesson panel's Previous / Next, level with the picker */
.caption { margin-top: -6px; color: var(--body-text-color-subdued); }
"""
