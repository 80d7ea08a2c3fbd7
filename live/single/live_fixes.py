"""The collapse fixes a run takes live (issue #17 §1): R1, instance noise, unrolled D, feature matching.

Each is a field of the run's RunConfig that `gan_core.train.train_step` reads at every step, so
switching one on a running run is a new config for the same networks, optimisers, step and history:

    gan.cfg = with_fixes(gan.cfg, gan.step, r1_gamma=1.0)   # the next step's D loss has the penalty

Every kind of run does it this way (live.single.trainer between two chunks; live.classroom.host for a run of the
class, which moves to the group of its new key, e.g. its unrolled k, or to the class's solo lane while
a fix that cannot be batched, R1 or feature matching, is on). scripts/collapse_experiment.py's live
rows call `apply_live` between two steps, as the Trainer does.

Instance noise switched on (or changed) live anneals from the step it was switched on
(loss.instance_noise_start): sigma now, fading to 0 over loss.instance_noise_steps, as it would from
step 0 in a new run. A fix is refused (ConfigError, a sentence) when the config it makes cannot run
(unrolled D on images) or would need other networks than the run has (R1 on a DCGAN D built with
BatchNorm, which a per-sample gradient penalty cannot go through: gan_core.models.d_uses_batch_norm).
"""

from __future__ import annotations

from gan_core.config import ConfigError, RunConfig
from gan_core.models import d_uses_batch_norm

# live key -> (config section, field)
FIXES: dict[str, tuple[str, str]] = {
    "r1_gamma": ("loss", "r1_gamma"),
    "instance_noise": ("loss", "instance_noise"),
    "unrolled_steps": ("train", "unrolled_steps"),
    "feature_matching": ("loss", "feature_matching"),
}
RATES = ("lr_g", "lr_d", "d_steps")  # the live knobs that are not config fields of the step (GAN attributes)
LIVE_KEYS = RATES + tuple(FIXES)  # everything Run.set_live takes


def fixes_of(cfg: RunConfig) -> dict:
    """{live key: value} of the fixes in `cfg` (what a snapshot reports)."""
    return {key: getattr(getattr(cfg, section), name) for key, (section, name) in FIXES.items()}


def with_fixes(cfg: RunConfig, step: int, **fixes) -> RunConfig:
    """`cfg` with the given fixes (None or absent: unchanged), for a run now at `step`. A new
    instance-noise sigma anneals from `step`. ConfigError (with a sentence) when it cannot apply live."""
    unknown = set(fixes) - set(FIXES)
    if unknown:
        raise ConfigError(f"not a live fix: {', '.join(sorted(unknown))}")
    sections: dict[str, dict] = {"loss": {}, "train": {}}
    for key, value in fixes.items():
        if value is None:
            continue
        section, name = FIXES[key]
        value = bool(value) if key == "feature_matching" else (int(value) if key == "unrolled_steps" else float(value))
        if getattr(getattr(cfg, section), name) != value:
            sections[section][name] = value
    if "instance_noise" in sections["loss"]:
        sections["loss"]["instance_noise_start"] = int(step)
    if not sections["loss"] and not sections["train"]:
        return cfg
    new = cfg.replace(**sections)  # RunConfig's own checks: e.g. unrolled D on images is refused here
    if d_uses_batch_norm(new) != d_uses_batch_norm(cfg):
        raise ConfigError("R1 cannot be switched on or off live on this image GAN: its D has BatchNorm layers "
                          "(they mix the samples of a batch, which a per-sample gradient penalty cannot go "
                          "through), so R1 needs a D built without them. Press Reset to start a run with it.")
    return new


def apply_live(gan, settings: dict) -> None:
    """Apply live settings ({live key: value}, as Run.set_live takes them) to a gan_core GAN between
    two steps: learning rates and D steps on the GAN, fixes in its config. Nothing else changes:
    weights, Adam moments, EMA, step, random stream and the caller's history go on."""
    gan.set_lr(settings.get("lr_g"), settings.get("lr_d"))
    if settings.get("d_steps") is not None:
        gan.d_steps = int(settings["d_steps"])
    fixes = {k: settings[k] for k in FIXES if settings.get(k) is not None}
    if fixes:
        gan.cfg = with_fixes(gan.cfg, gan.step, **fixes)


def restarted(cfg: RunConfig) -> RunConfig:
    """`cfg` for the same run started over from step 0 (Reset): instance noise anneals from step 0 again."""
    return cfg.replace(loss={"instance_noise_start": 0})

