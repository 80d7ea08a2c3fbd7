"""Teaching alerts: what a run's latest numbers say, in plain language (a pure function of them).

`alerts_for` reads one read-back's means (losses, D outputs, gradient norms) and returns the
sentences the page shows, and the updated count of steps that D has been winning outright.
`collapse_alert` reads the run's recorded coverage (modes of a 2D mixture, classes of digits: the
measure the diagnostics and the class board judge by) and names mode collapse while it lasts.
"""

from __future__ import annotations

from gan_core.evaluation.verdict import live_verdict

D_WINS_STEPS = 500  # alert when D's loss has been near 0 this long
D_WINS_LOSS = {"minimax": 0.05, "nonsaturating": 0.05, "lsgan": 0.01, "hinge": 0.05}
EXPLODING_GRAD = 100.0  # ganhacks: gradient norms over 100 are an early failure sign
COLLAPSE_FROM_STEP = 500  # before this, few modes covered is a run that has not spread out yet, not collapse
RECOVERED_SHARE = 0.75  # a collapse alert (on at half the modes or fewer) stays until this share is covered again


def alerts_for(objective: str, values: dict[str, float], n_steps: int, step: int,
               d_wins: int) -> tuple[list[str], int]:
    """(alerts, d_wins): values are the means over the last n_steps steps, ending at `step`;
    d_wins counts the steps that D's loss has been under its objective's threshold."""
    alerts = []
    limit = D_WINS_LOSS.get(objective)
    if limit is not None and "d_loss" in values:
        d_wins = d_wins + n_steps if values["d_loss"] < limit else 0
        if d_wins >= D_WINS_STEPS:
            alerts.append(f"D loss has been near 0 for {d_wins} steps: D wins and G gets almost no useful "
                          "gradient. Try the non-saturating loss, one-sided label smoothing, instance noise, "
                          "a lower D learning rate or fewer D steps per G step.")
    for net in ("g", "d"):
        norm = values.get(f"grad_norm_{net}", 0.0)
        if norm > EXPLODING_GRAD:
            alerts.append(f"{net.upper()}'s gradient norm is {norm:.0f} (over {EXPLODING_GRAD:.0f}): updates this "
                          "big make training blow up. Try gradient clipping, a lower learning rate or spectral norm.")
    if objective == "minimax" and values.get("d_fake", 1.0) < 0.05 and step > 200:
        alerts.append("D(G(z)) is near 0, where the minimax G loss log(1 - D(G(z))) is flat: G learns almost "
                      "nothing. The non-saturating loss -log D(G(z)) fixes exactly this.")
    return alerts, d_wins


def _covered(m: dict) -> tuple[int, int, str] | None:
    if "modes_covered" in m:
        return int(m["modes_covered"]), int(m["n_modes"]), "modes"
    if "classes_covered" in m:
        return int(m["classes_covered"]), int(m["n_classes"]), "classes"
    return None


def collapse_alert(metrics: list[dict]) -> str | None:
    """The sentence naming mode collapse, or None. metrics: the run's recorded live metrics, oldest first.
    On from step COLLAPSE_FROM_STEP when the live verdict says collapse (at most half the modes covered:
    gan_core.evaluation.verdict), off again only once RECOVERED_SHARE of them are covered, so a run on the
    edge does not make the alert flicker."""
    on, last = False, None
    for m in metrics:
        cov = _covered(m)
        if cov is None or "error" in m or m.get("step", 0) < COLLAPSE_FROM_STEP:
            continue
        covered, n, _ = cov
        verdict = live_verdict(m)
        if verdict is not None and verdict.level == "collapse":
            on = True
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
