"""Guided lessons as data: lesson -> steps -> {tab, preset, setting overrides, what to look at, a question}.

No gradio here. A step sets the app up (which tab is open; for the Train tab, a preset and settings on top
of it), says what to look at, and asks the class one question. The lesson panel (ui/lessons/panel.py)
shows one step at a time; a link `?lesson=collapse&step=2` opens a step directly (ui/lessons/url_state.py).
tests/ui/test_lessons.py checks that every tab, preset and setting named here exists and is valid.

To change a lesson, edit its steps below: `preset` is a name from gan_core/presets.py (None leaves the
Train tab as the student has it), `overrides` are Train-tab settings by their widget key
(ui/train/settings.py KEYS), written with `_set(pack=2, lr_d=2e-4)`; `theory` sets the theory tab's
controls the same way (`_set(g_mean=4.0)`, keys returned by ui/theory_tab.build).

A teacher can ask a step's question live, in a room (the Class board, issue #27): `choices` makes it a
multiple-choice question, `number` a number answer within (low, high); with neither, the board asks for a
number within its default bounds, or the teacher types choices.
"""

from __future__ import annotations

from dataclasses import dataclass

TABS = ("train", "latent", "diagnostics", "replays", "theory", "board")  # the gr.Tab ids in app.py


def _set(**overrides) -> tuple[tuple[str, object], ...]:
    """Setting overrides as a frozen, ordered tuple of (widget key, value) pairs."""
    return tuple(overrides.items())


@dataclass(frozen=True)
class Step:
    title: str  # a few words, shown as the card's heading
    tab: str  # which tab the step opens (one of TABS)
    look_at: str  # what to do and look at, for the student (Markdown)
    question: str  # the one question for the class
    preset: str | None = None  # the Train tab's preset to load; None leaves the Train tab as it is
    overrides: tuple[tuple[str, object], ...] = ()  # Train-tab settings on top of the preset (needs a preset)
    theory: tuple[tuple[str, object], ...] = ()  # the theory tab's controls (keys: ui/theory_tab.build's handles)
    choices: tuple[str, ...] = ()  # the question's answers, asked live in a room (2 to 6; () = none given)
    number: tuple[float, float] | None = None  # or a number answer's bounds (low, high)


@dataclass(frozen=True)
class Lesson:
    title: str  # shown in the lesson picker
    steps: tuple[Step, ...]


LESSONS: dict[str, Lesson] = {
    "healthy": Lesson("A healthy GAN", (
        Step("Meet G and D", "train", preset="ring8",
             look_at="Before Start the picture shows the **untrained G**: every purple fake sits in one blob in the "
                     "middle. Green points are the real data (8 Gaussians on a ring); the background is D's opinion "
                     "of each place. Then press **Start**.",
             question="Before you press Start: where will the purple points go, and what pulls them there?",
             choices=("onto all 8 green modes", "onto one or two modes", "they stay in the middle")),
        Step("Watch them spread", "train", preset="ring8",
             look_at="Press **Start** if it is not running. The fakes spread onto all 8 modes within a few thousand "
                     "steps, and in the **D(x) and D(G(z))** plot both lines head to 0.5.",
             question="Why does D end up saying 0.5 to real and fake points alike once G is good?"),
        Step("Step D alone, then G alone", "train", preset="ring8",
             look_at="Press **Pause**. Set *Step trains* to **D only** and press **Step** a few times: D's map "
                     "sharpens. Then **G only**: the arrows on the fakes show where G moves its points.",
             question="If only D trained for a long time, what would happen to the arrows G follows?"),
        Step("A much faster D", "train", preset="ring8", overrides=_set(lr_d=0.1),
             look_at="This step set **D's learning rate** to 0.1, ten times G's. Learning rates apply **live**: "
                     "press **Start** (or Resume) and watch the curves and the field.",
             question="Predict first, then look: does G still cover all 8 modes when D learns ten times faster?",
             choices=("yes, all 8", "some of them", "no: it collapses")),
    )),
    # Written against today's ring8-collapse preset and plain overrides; a redesign of the collapse presets
    # only needs new preset names (and overrides) in these steps.
    "collapse": Lesson("Mode collapse and its fixes", (
        Step("A GAN that collapses", "train", preset="ring8-collapse",
             look_at="The same ring with a **vanilla GAN** whose **G learns 20x faster than D** (lr 2e-2 vs 1e-3). "
                     "Press **Start**: G's samples move as one clump that hops round the ring from mode to mode "
                     "(Metz et al. 2017, Fig. 1) instead of covering all 8. Measured: 4 of 5 seeds end on no mode.",
             question="G always moves to where D is weakest. Why does that make it jump from one mode to the next?",
             choices=("D's weak spot moves once D learns the mode G sits on", "G forgets the modes it learnt",
                      "the data changes during training")),
        Step("Measure it", "diagnostics",
             look_at="This tab opens on the shipped **ring8-collapse** beside **ring8**. Press **Diagnose**: modes "
                     "covered, the high-quality fraction and the verdict. Pick *this session's run* to measure yours.",
             question="Which number would convince a sceptic that this is collapse, and which one could fool you?"),
        Step("Fix 1: two time-scales (D faster)", "train", preset="ring8-collapse+ttur",
             look_at="The same GAN with the learning rates the other way round: **D 1e-2, G 3e-3**. Press **Start**: "
                     "D now keeps up with G, and G spreads over the ring. Measured: all 8 modes in 5 of 5 seeds.",
             question="Which player has to be faster for G to get a useful signal, and why?",
             choices=("D", "G", "neither: the same rate")),
        Step("Fix 2: minibatch std-dev", "train", preset="ring8-collapse+mbstd",
             look_at="G still learns 20x faster, but **D also sees how spread out each batch is** (minibatch "
                     "std-dev): a clump gives itself away. Press **Start** and compare in the diagnostics tab.",
             question="What can D see in a whole batch that it cannot see in one sample?",
             choices=("how spread out the samples are", "each sample more sharply", "nothing more")),
        Step("Fix 3: unrolled D", "train", preset="ring8-collapse+unrolled",
             look_at="**Unrolled GAN**: G answers the D it would face **5 D updates from now**, so it cannot just "
                     "chase D's current weak spot. Press **Reset**, then **Start**: the hopping stops (5 of 5 seeds, "
                     "all 8 modes). (On a run that is already collapsing it switches on live: 3 of 5 seeds recover.)",
             question="Why does looking ahead at D's next moves stop G from hopping?"),
        Step("Fix 4: optimism", "train", preset="ring8-collapse+optimism",
             look_at="**Optimistic Adam** for both players: every update adds the change of the last one, a guess "
                     "of where the game is going (θ += 2u_t − u_{t−1}). G still learns 20x faster, yet the hopping "
                     "stops: all 8 modes (7 in one seed) with 81-93% of samples on a mode, in 5 of 5 seeds. Plain "
                     "Adam with the same settings collapses in 4 of 5.",
             question="The Theory tab's Dirac-GAN shows gradient steps circling the equilibrium. How does adding "
                      "the last step's change turn a circle into a spiral inwards?"),
        Step("Try a fix live, and one that fails", "train", preset="ring8-collapse",
             look_at="Start the collapsing run again; after ~1,000 steps set **Unrolled D steps** to 5 (*Fixes you "
                     "can switch on live*) and watch: 3 of 5 seeds recovered, none stayed collapsed; **G lr 3e-3, "
                     "D lr 1e-2** recovered 2 of 5, **R1** none. Then try **PacGAN 2** on a new run (*Tricks* "
                     "section): it rescues only 3 of 5 seeds here; its tooltip says why.",
             question="Why is it easier to prevent collapse from the start than to undo it once G has collapsed?"),
    )),
    "theory": Lesson("Why GANs are hard (theory)", (
        Step("The best D, and a flat JSD", "theory", theory=_set(shape="uniform", g_mean=4.0, g_std=0.5),
             look_at="Section 1: G's distribution (uniform, compact support) sits at 4, far from the data at 0. "
                     "With the best D, G's loss is −log 4 + 2 JSD: the JSD is stuck at log 2 with slope 0, while "
                     "W1 keeps its slope. Drag **G's mean** towards 0 and watch when the JSD starts to move.",
             question="If G's loss does not change when G moves, what gradient does G get?"),
        Step("When D wins, G's loss saturates", "theory", theory=_set(d_fake=0.01),
             look_at="Section 2: **D(G(z)) = 0.01**, D confidently rejecting G's sample, as early in training. "
                     "Compare the gradient each G loss sends back, then move the slider towards 1.",
             question="Which G loss would you use at the start of training, and why?",
             choices=("the minimax loss log(1 - D(G(z)))", "the non-saturating loss -log D(G(z))")),
        Step("Gradient steps circle", "theory", theory=_set(objective="gan", lr=0.2, steps=500),
             look_at="Section 3, the Dirac-GAN: G is one point θ, D a line ψx. **Simultaneous** steps (purple) "
                     "spiral out; **alternating** ones (orange) circle. Change the step size h.",
             question="Both players follow their own gradient: why do they not arrive at the equilibrium (0, 0)?"),
        Step("Make it converge", "theory", theory=_set(objective="gan-r1", gamma=1.0),
             look_at="The objective is now **GAN + R1** with γ = 1: both paths are pulled in to (0, 0). Set γ to 0 "
                     "and it is the plain GAN again; try **instance noise** and its σ too.",
             question="What does R1 penalise in D, and why does that damp the circling?"),
    )),
    "digits": Lesson("Real digits", (
        Step("Digits on a CPU", "train", preset="digits",
             look_at="scikit-learn's 8x8 handwritten digits with a small DCGAN. Press **Start**. The grid is drawn "
                     "from **fixed noise**: the same z every frame, so you watch each sample become a digit.",
             question="Why draw every frame from the same noise z?"),
        Step("MNIST", "train", preset="mnist5k",
             look_at="5,000 real 28x28 MNIST digits with the DCGAN recipe scaled down for a CPU. Press **Start**: "
                     "every digit class appears within about 1,200 steps.",
             question="Which digits appear first, and what might make them easier for G?",
             number=(0, 9)),
        Step("Walk the latent space", "latent",
             look_at="Pick the shipped **mnist5k** generator (or your own run). Move a principal-direction slider, "
                     "then interpolate two seeds with lerp and slerp side by side.",
             question="Which path stays on real-looking digits all the way, lerp or slerp, and why?",
             choices=("lerp", "slerp", "both the same")),
        Step("One z, every class", "latent",
             look_at="Pick the conditional **mnist5k-cgan**: the same z under every class label.",
             question="What does the class label control, and what is left for z to control?"),
        Step("Did it collapse?", "diagnostics",
             look_at="Diagnose **mnist5k** (or your run): the class histogram, precision and recall, and the "
                     "closest pairs of samples.",
             question="A G that draws perfect 1s only: which of these numbers would catch it?"),
    )),
    # What else goes wrong (issue #27): one lesson per phenomenon, so a teacher can link each one. Each shows
    # the phenomenon's preset, then its cure's (gan_core/presets.py PHENOMENA); the numbers are docs/PHENOMENA.md's.
    "saturation": Lesson("When D wins, the minimax loss stalls G", (
        Step("G's gradient dies", "train", preset="saturation",
             look_at="The ring with the **original minimax G loss**, log(1 − D(G(z))), and D taking 5 steps to G's "
                     "1. Press **Start** and watch the **Gradient norms** plot: D soon rejects every fake "
                     "(**D(G(z))** near 0), and **G's gradient norm** falls to 0 while G's purple samples freeze "
                     "off the ring. Measured: in 4 of 5 seeds G's gradient norm ended under 0.0001 with D(G(z)) at "
                     "0 and no mode covered (in the fifth G was still moving at step 1,500).",
             question="D(G(z)) is near 0. Why does log(1 − D(G(z))) give G almost no gradient there?"),
        Step("The non-saturating loss", "train", preset="saturation+nonsat",
             look_at="The same run with G minimising **−log D(G(z))** instead, the only change. Press **Start**: "
                     "G's gradient norm stays large and its samples keep moving. Measured: G's gradient norm ended "
                     "at 30-73 in 5 of 5 seeds, and G reached 4-8 of the 8 modes. "
                     "The Theory tab's section 2 draws both losses' slopes.",
             question="Both losses have the same fixed point. Why does the second one still move G when D wins?"),
    )),
    "clipping": Lesson("WGAN: weight clipping or a gradient penalty", (
        Step("A clipped critic", "train", preset="wgan-clip",
             look_at="**WGAN with weight clipping**: after each critic step every weight is clipped to ±0.01. Press "
                     "**Start** and look at the **field**: the critic's heat map is one smooth slope, and its colour "
                     "bar spans only a few thousandths (Gulrajani et al. 2017, Fig. 1: a clipped critic learns an "
                     "overly simple function). Measured: over the whole field the clipped critic's values spanned "
                     "0.001-0.008 in 5 of 5 seeds, and a tilted plane explained 91-98% of its map.",
             question="With every weight in ±0.01, how large can the critic's output and its slope possibly be?"),
        Step("The gradient penalty", "train", preset="wgan-clip+gp",
             look_at="The same critic with a **gradient penalty** instead of clipping (WGAN-GP), the only change. "
                     "Press **Start**: the heat map takes the shape of the ring and the colour bar spans whole "
                     "units. Measured: the critic spanned 2.4-6.2 in 5 of 5 seeds.",
             question="What does penalising (‖∇D‖ − 1)² let the critic do that clipping did not?"),
    )),
    "oscillation": Lesson("Gradient play circles; R1 settles it", (
        Step("A GAN that never settles", "train", preset="oscillation",
             look_at="A plain GAN trained with **simultaneous SGD** steps. Press **Start** and watch the **D(x) and "
                     "D(G(z))** plot: D(x) keeps swinging up and down long after G reached the ring, and G's samples "
                     "keep moving. Measured: over the last third of 2,000 steps D(x) still swung with a std-dev of "
                     "0.04-0.07 in 4 of 5 seeds (0.02 in the fifth), and G's samples moved 0.12-0.32 per 100 steps.",
             question="The Theory tab's Dirac-GAN circles its equilibrium. What is circling here?"),
        Step("R1 damps it", "train", preset="oscillation+r1",
             look_at="The same run with **R1** (γ = 1): a penalty on D's slope at real points, the only change. "
                     "Press **Start**: D(x) settles at 0.5 and stays there. Measured: D(x)'s std-dev fell to "
                     "0.003-0.006 in 5 of 5 seeds and G's samples moved only 0.05-0.07 per 100 steps (G touches 7-8 "
                     "modes but is still spread between them at step 2,000: R1 converges, slowly). R1 also "
                     "switches on live (*Fixes you can switch on live*): try it on the swinging run.",
             question="Why does a D with no slope at the real data stop pushing G back and forth?"),
    )),
    "d-wins": Lesson("A discriminator that overpowers G", (
        Step("D wins outright", "train", preset="d-overpowers",
             look_at="D takes **10 steps** per G step at **5x** G's learning rate. Press **Start**: in the **D(x) "
                     "and D(G(z))** plot D(x) sits near 1 and D(G(z)) near 0: D is certain, and G's samples mostly "
                     "gather in a clump. Measured: D(x) − D(G(z)) ended at 0.71-0.81 in 4 of 5 seeds (0.54 in the "
                     "fifth), with G's samples on only 1-3 modes in 4 of 5.",
             question="If D is always right, what does G learn from it?"),
        Step("Instance noise", "train", preset="d-overpowers+noise",
             look_at="The same run with **instance noise**: D sees every point, real or fake, through Gaussian "
                     "noise (std 0.5, fading), the only change. Press **Start**: the two curves stay close and G's "
                     "samples spread round the ring. Measured: the gap ended at 0.02-0.03 in 5 of 5 seeds "
                     "(0.04-0.10 for D on clean points), with G's samples touching 5-7 modes, not yet sharp at step "
                     "600.",
             question="Why does blurring what D sees help the weaker player?"),
    )),
    "memorisation": Lesson("Memorising a tiny training set", (
        Step("Eight digits", "train", preset="memorise",
             look_at="The digits DCGAN trained on only **8 images** (one each of 0-7). Press **Start** and let it "
                     "train a few "
                     "thousand steps: the samples become sharp, and always the same few digits.",
             question="What is the best G can do when D has seen only 8 images?"),
        Step("Nearest training images", "diagnostics",
             look_at="Pick the shipped **memorise** checkpoint (or *this session's run* once it has trained) and "
                     "press **Diagnose**. Under **Nearest training images** each sample stands beside the training "
                     "image closest to it: near-copies, and the verdict says G may be copying. Measured: G's "
                     "samples sat at 0.26-0.31 of the distance between two of the 8 training images, in 5 of 5 "
                     "seeds.",
             question="A G with perfect precision and copies of its training set: is it a good generative model?"),
        Step("The whole set", "train", preset="memorise+full-set",
             look_at="The same GAN on all 1,797 digits, the only change. Press **Start**, then diagnose it as "
                     "before: its samples are new digits. Measured: 1.27-1.34 of it, in 5 of 5 seeds.",
             question="How would you show a sceptic that your GAN is not just copying its training set?"),
    )),
}


def lesson_choices() -> list[tuple[str, str]]:
    """(label, key) pairs for the lesson picker; "" is no lesson."""
    return [("(no lesson)", "")] + [(lesson.title, key) for key, lesson in LESSONS.items()]
