"""Teaching alerts: what a run's latest numbers say, in plain language (a pure function of them).

`alerts_for` reads one read-back's means (losses, D outputs, gradient norms) and returns the
sentences the page shows, and the updated count of steps that D has been winning outright.
"""

from __future__ import annotations

D_WINS_STEPS = 500  # alert when D's loss has been near 0 this long
D_WINS_LOSS = {"minimax": 0.05, "nonsaturating": 0.05, "lsgan": 0.01, "hinge": 0.05}
EXPLODING_GRAD = 100.0  # ganhacks: gradient norms over 100 are an early failure sign


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
