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
}


def lesson_choices() -> list[tuple[str, str]]:
    """(label, key) pairs for the lesson picker; "" is no lesson."""
    return [("(no lesson)", "")] + [(lesson.title, key) for key, lesson in LESSONS.items()]
