"""Page header and CSS shared by all tabs."""

HEADER = """# GAN Classroom
Watch a Generative Adversarial Network learn, live: a **generator** G turns noise z into samples, a
**discriminator** D tries to tell them from real data, and each learns from the other.
**Train** a GAN, explore its **latent space**, and **diagnose mode collapse** with numbers."""

CSS = """
/* contrast of at least 4.5:1 on white (WCAG AA; axe-core's color-contrast rule): Gradio's default grey
   for info text (#bbbbc2, 1.9:1) and white on its orange (2.8:1) and red (3.8:1) buttons are darkened */
:root, .gradio-container, .dark {
  --body-text-color-subdued: #5b5b66; --color-accent: #c2410c;  /* (the selected tab's label, 3.6:1 before) */
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b;
}
#header h1 { margin-bottom: 0.2em; }
.alert-box { border-left: 4px solid #d73027; padding-left: 8px; }
.lesson-nav { align-self: end; }  /* the lesson panel's Previous / Next, level with the picker */
.caption { margin-top: -6px; color: var(--body-text-color-subdued); }
#board-focus .gl-frame { max-width: 900px !important; }  /* the projector's one run: readable from the back row */
#start, #pause, #reset { white-space: nowrap; }  /* one line each: Step and the field fit one 1280x800 screen */
#room-channel { display: none !important; }  /* the room channel's poll: a script, nothing to see */
#room-question { border-left: 4px solid #5e3c99; padding-left: 10px; }  /* the teacher's live question */
"""
