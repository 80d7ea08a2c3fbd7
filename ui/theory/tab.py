"""The "Why GANs are hard" tab: the theory, computed live (numpy only, no training).

Layout and wiring only. Three sections, each a few sliders, two pictures and a line of numbers:
the optimal D and the JSD against W1 (ui/theory/view.py), the saturating against the
non-saturating G loss (ui/theory/view.py), and the Dirac-GAN's training dynamics
(ui/theory/dirac.py). Sliders answer on `.change` (their default trigger mode, always_last, drops
the values passed over while a picture is drawn); a click on the Dirac picture moves the start.
Drawing is CPU work under the interpreter lock, so more threads would not draw faster: all of the
tab's events share one queue of DRAW_THREADS workers.
"""

from __future__ import annotations

import gradio as gr

from ui.theory import dirac as td
from ui.theory import view as tv

DRAW_THREADS = 2  # at most this many theory pictures drawn at once, for every student together

INTRO = ("Why is training a GAN hard? Three reasons, each computed live as you move the sliders: the best D turns "
         "G's loss into the **Jensen-Shannon divergence**, which goes flat when the two distributions do not overlap; "
         "the original G loss **saturates** when D wins; and plain gradient steps **circle or spiral** around the "
         "equilibrium instead of converging to it.")
JSD_INTRO = ("**1. The optimal discriminator and the JS divergence.** The data p_data (green) is fixed at 0; move G's "
             "distribution p_g (purple). For a fixed G the best D is D\\*(x) = p_data / (p_data + p_g), and then "
             "G's loss is V(D\\*, G) = −log 4 + 2 JSD(p_data ‖ p_g) (Goodfellow et al. 2014). Pull G far away: "
             "the JSD stops changing, W1 does not (Arjovsky et al. 2017, Figures 1-2).")
GLOSS_INTRO = ("**2. Saturating vs non-saturating G loss.** Early on D rejects G's samples, so D(G(z)) is near 0. "
               "Move D(G(z)) and compare the gradient each loss sends back to G (Goodfellow 2016, Figure 16).")
DIRAC_INTRO = ("**3. Dirac-GAN dynamics** (Mescheder et al. 2018). G is one point θ, the data one point at 0, and D "
               "is a line, D(x) = ψ x. The equilibrium is (θ, ψ) = (0, 0). The arrows are the gradient field; the "
               "lines are gradient steps from the start point: purple both players at once (simultaneous), orange G "
               "then D (alternating). **Click the picture** to move the start.")


QUEUE = dict(concurrency_id="theory-draw", concurrency_limit=DRAW_THREADS, show_progress="hidden")


def _dirac(objective, lr, steps, gamma, sigma, theta0, psi0):
    """All the Dirac outputs: field picture, its pixel frame, distance picture, numbers."""
    s = td.settings(objective, lr, steps, gamma, sigma, theta0, psi0)
    both = td.runs(s)
    field, frame = td.field_picture(s, both)
    return field, frame, td.distance_picture(both), td.numbers(s, both)


def _divergence(shape, g_mean, g_std):
    return (tv.densities_picture(shape, g_mean, g_std), tv.divergence_curves_picture(shape, g_mean, g_std),
            tv.divergence_numbers(shape, g_mean, g_std))


def _g_loss(d_now):
    d_now = float(d_now)
    return tv.g_loss_picture(d_now), tv.g_grad_picture(d_now), tv.g_loss_numbers(d_now)


def _pick_start(frame, evt: gr.SelectData):
    """A click on the field picture: its pixel becomes the start (theta, psi); the sliders' change redraws."""
    point = td.pixel_to_point(frame, *evt.index) if frame and evt.index else None
    if point is None:
        return gr.skip(), gr.skip()
    return point


def _image(value, elem_id: str, **kwargs) -> gr.Image:
    return gr.Image(value, show_label=False, format="png", interactive=False, elem_id=elem_id,
                    buttons=[], **kwargs)


def build() -> dict:
    """The tab; returns the controls a lesson step may set (key -> component). Defaults: G's Gaussian at
    mean 2 (overlapping a little), D(G(z)) = 0.05, the paper's GAN from (1, 1) with step 0.2 for 500 steps."""
    shape0, mean0, std0, d0 = "gaussian", 2.0, 0.5, 0.05
    dirac0 = ("gan", 0.2, 500, 1.0, 0.5, 1.0, 1.0)
    jsd_pics, gloss_pics, dirac_pics = _divergence(shape0, mean0, std0), _g_loss(d0), _dirac(*dirac0)
    with gr.Tab("Why GANs are hard", id="theory", elem_id="tab-theory"):
        gr.Markdown(INTRO)

        gr.Markdown(JSD_INTRO)
        with gr.Row():
            shape = gr.Radio([("Gaussians", "gaussian"), ("uniforms (compact supports)", "uniform")], value=shape0,
                             label="shape of p_data and p_g", elem_id="theory-shape", min_width=260)
            g_mean = gr.Slider(*tv.MEAN_RANGE, value=mean0, step=0.05, label="G's mean", elem_id="theory-g-mean",
                               min_width=260)
            g_std = gr.Slider(0.1, 2.0, value=std0, step=0.05, label="G's spread (std)", elem_id="theory-g-std",
                              min_width=260)
        with gr.Row():
            jsd_plot = _image(jsd_pics[0], "theory-jsd-plot", min_width=300)
            jsd_curves = _image(jsd_pics[1], "theory-jsd-curves", min_width=300)
        jsd_numbers = gr.Markdown(jsd_pics[2], elem_id="theory-jsd-numbers")

        gr.Markdown(GLOSS_INTRO)
        d_fake = gr.Slider(0.001, 0.999, value=d0, step=0.001, label="D(G(z)): how real D finds G's sample",
                           elem_id="theory-dgz")
        with gr.Row():
            gloss_plot = _image(gloss_pics[0], "theory-gloss-plot", min_width=300)
            ggrad_plot = _image(gloss_pics[1], "theory-ggrad-plot", min_width=300)
        gloss_numbers = gr.Markdown(gloss_pics[2], elem_id="theory-gloss-numbers")

        gr.Markdown(DIRAC_INTRO)
        objective = gr.Radio(td.OBJECTIVE_CHOICES, value=dirac0[0], label="objective", elem_id="theory-objective")
        with gr.Row():
            lr = gr.Slider(0.01, 1.0, value=dirac0[1], step=0.01, label="step size h", elem_id="theory-lr",
                           min_width=200)
            steps = gr.Slider(10, 2000, value=dirac0[2], step=10, label="steps", elem_id="theory-steps",
                              min_width=200)
            gamma = gr.Slider(0.0, 3.0, value=dirac0[3], step=0.05, label="γ (GAN + R1, WGAN-GP)",
                              elem_id="theory-gamma", min_width=200)
            sigma = gr.Slider(0.0, 2.0, value=dirac0[4], step=0.05, label="σ (instance noise)",
                              elem_id="theory-sigma", min_width=200)
        with gr.Row():
            limit = td.START_LIMIT
            theta0 = gr.Slider(-limit, limit, value=dirac0[5], step=0.01, label="start θ",
                               elem_id="theory-start-theta", min_width=200)
            psi0 = gr.Slider(-limit, limit, value=dirac0[6], step=0.01, label="start ψ", elem_id="theory-start-psi",
                             min_width=200)
        frame = gr.State(dirac_pics[1])
        with gr.Row():
            dirac_plot = _image(dirac_pics[0], "theory-dirac-plot", min_width=300)
            distance_plot = _image(dirac_pics[2], "theory-distance-plot", min_width=300)
        dirac_numbers = gr.Markdown(dirac_pics[3], elem_id="theory-numbers")

    for control in (shape, g_mean, g_std):
        control.change(_divergence, [shape, g_mean, g_std], [jsd_plot, jsd_curves, jsd_numbers],
                       **QUEUE)
    d_fake.change(_g_loss, d_fake, [gloss_plot, ggrad_plot, gloss_numbers], **QUEUE)
    dirac_inputs = [objective, lr, steps, gamma, sigma, theta0, psi0]
    for control in dirac_inputs:
        control.change(_dirac, dirac_inputs, [dirac_plot, frame, distance_plot, dirac_numbers],
                       **QUEUE)
    dirac_plot.select(_pick_start, frame, [theta0, psi0])
    return dict(shape=shape, g_mean=g_mean, g_std=g_std, d_fake=d_fake, objective=objective, lr=lr, steps=steps,
                gamma=gamma, sigma=sigma)
