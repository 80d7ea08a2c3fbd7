"""Teaching alerts: what a run's latest numbers say, in plain language (a pure function of them).

`alerts_for` reads one read-back's means (losses, D outputs, gradient norms) and the run's small
`AlertState`, and returns the sentences the page shows and the next state (how long D has been
winning; how long each gradient norm has been over, or back under, its architecture's levels).
`collapse_alert` reads the run's recorded coverage (modes of a 2D mixture, classes of digits: the
measure the diagnostics and the class board judge by) and names mode collapse while it lasts.
Every preset x 3 seeds, alerts raised vs expected: docs/ALERTS.md (scripts/alert_matrix.py).
"""

from __future__ import annotations

import dataclasses

from gan_core.evaluation.verdict import CLUMP_SPREAD, LOW_QUALITY_FRACTION, live_verdict

D_WINS_STEPS = 500  # alert when D's loss has been near 0 this long
D_WINS_LOSS = {"minimax": 0.05, "nonsaturating": 0.05, "lsgan": 0.01, "hinge": 0.05}
# Gradient norms: (on above, off under) per architecture. A norm's size depends on the network (a
# DCGAN's D has ~100x the weights of the 2D MLP, and its healthy norm is ~100x larger), so one
# number (ganhacks' 100) cries wolf on the image presets (mnist5k's D reaches 448 in a healthy run).
# The levels sit above the largest norm any healthy preset reached over 3 seeds (the 2D MLP: D 16,
# G 31; the DCGAN: D 448, G 45) and far below what a broken run reaches within its first ~150 steps
# (a WGAN critic without its clipping: thousands on either): docs/ALERTS.md, the alert matrix.
GRAD_LEVELS = {"mlp": (50.0, 25.0), "dcgan": (1000.0, 500.0)}
GRAD_LEVELS_OTHER = (100.0, 50.0)  # an architecture not measured: ganhacks' rule of thumb
GRAD_ON_READINGS = 5  # on after this many read-backs in a row over the on level (one spike is not a trend)
GRAD_OFF_READINGS = 5  # off only after this many in a row under the off level (no flicker on the edge)
COLLAPSE_FROM_STEP = 500  # before this, few modes covered is a run that has not spread out yet, not collapse
RECOVERED_SHARE = 0.75  # a collapse alert (on at half the modes or fewer) stays until this share is covered again


@dataclasses.dataclass(frozen=True)
class GradWatch:
    """One network's gradient norm over time: whether its alert is on, and the readings in a row
    that count towards switching it (over the on level while off, under the off level while on)."""

    on: bool = False
    run: int = 0  # read-backs in a row towards switching
    norm: float = 0.0  # the latest reading

    def after(self, norm: float, on_level: float, off_level: float) -> GradWatch:
        toward = norm < off_level if self.on else norm > on_level
        run = self.run + 1 if toward else 0
        needed = GRAD_OFF_READINGS if self.on else GRAD_ON_READINGS
        return GradWatch(not self.on, 0, norm) if run >= needed else GradWatch(self.on, run, norm)


@dataclasses.dataclass(frozen=True)
class AlertState:
    """What alerts_for remembers between read-backs (a run starts, and a reset starts over, at AlertState())."""

    d_wins: int = 0  # steps that D's loss has been under its objective's threshold
    grad_g: GradWatch = GradWatch()
    grad_d: GradWatch = GradWatch()


def grad_levels(arch: str) -> tuple[float, float]:
    """(on above, off under) for the gradient norms of this architecture's networks."""
    return GRAD_LEVELS.get(arch, GRAD_LEVELS_OTHER)


def alerts_for(objective: str, arch: str, values: dict[str, float], n_steps: int, step: int,
               state: AlertState) -> tuple[list[str], AlertState]:
    """(alerts, state): values are the means over the last n_steps steps, ending at `step` (the
    gradient norms: the last step's); state is what the previous read-back returned."""
    alerts = []
    d_wins = state.d_wins
    limit = D_WINS_LOSS.get(objective)
    if limit is not None and "d_loss" in values:
        d_wins = d_wins + n_steps if values["d_loss"] < limit else 0
        if d_wins >= D_WINS_STEPS:
            alerts.append(f"D loss has been near 0 for {d_wins} steps: D wins and G gets almost no useful "
                          "gradient. Try the non-saturating loss, one-sided label smoothing, instance noise, "
                          "a lower D learning rate or fewer D steps per G step.")
    on_level, off_level = grad_levels(arch)
    watches = {}
    for net in ("g", "d"):
        watch = getattr(state, f"grad_{net}")
        norm = values.get(f"grad_norm_{net}")
        if norm is not None:  # (a D-only or G-only Step reads back one network's norm)
            watch = watch.after(norm, on_level, off_level)
        watches[net] = watch
        if watch.on:
            alerts.append(f"{net.upper()}'s gradient norm is {watch.norm:,.0f} (this alert is on once a {arch} "
                          f"network's stays over {on_level:,.0f}, off once it stays under {off_level:,.0f}): "
                          "updates this big make training blow up. Try gradient clipping, a lower learning "
                          "rate or spectral norm.")
    if objective == "minimax" and values.get("d_fake", 1.0) < 0.05 and step > 200:
        alerts.append("D(G(z)) is near 0, where the minimax G loss log(1 - D(G(z))) is flat: G learns almost "
                      "nothing. The non-saturating loss -log D(G(z)) fixes exactly this.")
    return alerts, AlertState(d_wins, watches["g"], watches["d"])


def _covered(m: dict) -> tuple[int, int, str] | None:
    if "modes_covered" in m:
        return int(m["modes_covered"]), int(m["n_modes"]), "modes"
    if "classes_covered" in m:
        return int(m["classes_covered"]), int(m["n_classes"]), "classes"
    return None


def _not_gathered_yet(m: dict) -> bool:
    """Most samples between the modes (under LOW_QUALITY_FRACTION near one), spread wider than a clump."""
    near, spread = m.get("high_quality_fraction"), m.get("clump_spread")
    return near is not None and spread is not None and near < LOW_QUALITY_FRACTION and spread >= CLUMP_SPREAD


def collapse_alert(metrics: list[dict]) -> str | None:
    """The sentence naming mode collapse, or None. metrics: the run's recorded live metrics, oldest first.
    On from step COLLAPSE_FROM_STEP when the live verdict says collapse (at most half the modes covered:
    gan_core.evaluation.verdict), off again only once RECOVERED_SHARE of them are covered, so a run on the
    edge does not make the alert flicker. A reading where most samples still lie between the modes and
    spread wide (not one tight clump: the clump spread the full diagnosis judges by) is a run that has not
    gathered on the modes yet, not collapse: it leaves the alert as it was (measured in docs/ALERTS.md:
    the slower fixes of the collapse lesson touch 1-5 modes with under 1% of samples near one for their
    first 1,000 steps, while the collapsing run's samples sit in a clump)."""
    on, last = False, None
    for m in metrics:
        cov = _covered(m)
        if cov is None or "error" in m or m.get("step", 0) < COLLAPSE_FROM_STEP:
            continue
        covered, n, _ = cov
        verdict = live_verdict(m)
        if verdict is not None and verdict.level == "collapse":
            on = on or not _not_gathered_yet(m)
        elif covered >= RECOVERED_SHARE * n:
            on = False
        last = (m, cov)
    if not on or last is None:
        return None
    m, (covered, n, noun) = last
    share = "none" if covered == 0 else f"only {covered}"
    return (f"Mode collapse: G covers {share} of the {n} {noun} (step {m['step']:,}). It puts its samples where D "
            f"is weakest right now instead of spreading them, and D chases them round. Fixes that rescue it: D "
            f"learning faster than G (TTUR), minibatch std-dev, unrolled D (the collapse lesson). The alert stays "
            f"until {int(-(-RECOVERED_SHARE * n // 1))} of {n} are covered again.")
