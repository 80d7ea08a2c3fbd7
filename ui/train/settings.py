"""The Train tab's settings as plain values: which widget sets which config field, and back.

No gradio here. The tab shows one widget per key of `SETTINGS`; `config_from_values` turns the
widget values into a validated `RunConfig` (raising `ConfigError` with a readable message), and
`values_from_config` fills the widgets from a preset. Settings the tab does not show (activation,
init, optimizer, ...) come from the preset that was picked last.
"""

from __future__ import annotations

from gan_core.config import DOWNLOAD_DATASETS, IMAGE_DATASETS, OWN_POINTS, POINT_DATASETS, ConfigError, RunConfig
from gan_core.presets import PRESETS, get_preset

DEFAULT_PRESET = "ring8"  # trains healthily: covers all 8 modes in a few thousand steps

# Datasets the tab offers: every 2D set, then a student's own points and images (ui/train/own_data.py), every image set.
DATASETS = tuple(POINT_DATASETS) + (OWN_POINTS,) + tuple(n for n in IMAGE_DATASETS if n != "folder") + ("folder",)
OWN_LABELS = {OWN_POINTS: "points (your own: draw or upload)", "folder": "folder (your own images: a .zip)"}


def dataset_label(name: str) -> str:
    """What the Dataset dropdown shows for `name`."""
    return OWN_LABELS.get(name) or (f"{name} (download)" if name in DOWNLOAD_DATASETS else name)

# Settings applied to a running run without restarting it (Run.set_live): the rates, and the collapse
# fixes the step reads from the config (live/single/live_fixes.py; their widgets: ui/train/live_fixes.py).
LIVE_KEYS = ("lr_g", "lr_d", "d_steps", "r1_gamma", "instance_noise", "unrolled_steps", "feature_matching")

# widget key -> (config section, config field); "width" is special-cased (hidden or ngf/ndf).
SETTINGS: dict[str, tuple[str, str]] = {
    "dataset": ("data", "name"),
    "nz": ("model", "nz"),
    "width": ("model", "hidden"),
    "depth": ("model", "depth"),
    "conditional": ("model", "conditional"),
    "objective": ("loss", "objective"),
    "lr_g": ("train", "lr_g"),
    "lr_d": ("train", "lr_d"),
    "beta1_g": ("train", "betas_g"),
    "beta2_g": ("train", "betas_g"),
    "beta1_d": ("train", "betas_d"),
    "beta2_d": ("train", "betas_d"),
    "batch_size": ("train", "batch_size"),
    "d_steps": ("train", "d_steps"),
    "seed": ("train", "seed"),
    # the tricks
    "label_smoothing": ("loss", "label_smoothing"),
    "instance_noise": ("loss", "instance_noise"),
    "spectral_norm": ("model", "spectral_norm"),
    "minibatch_std": ("model", "minibatch_std"),
    "pack": ("model", "pack"),
    "unrolled_steps": ("train", "unrolled_steps"),
    "feature_matching": ("loss", "feature_matching"),
    "grad_clip": ("train", "grad_clip"),
    "ema": ("train", "ema"),
    "r1_gamma": ("loss", "r1_gamma"),
}
KEYS = tuple(SETTINGS)

# One line each: what the trick does (shown under its widget).
TRICK_INFO = {
    "label_smoothing": "One-sided: D aims for 0.9 instead of 1 on real data, so it cannot grow overconfident "
                       "(BCE only). Does not rescue ring8-collapse (0.1: still collapsed in 4 of 5 seeds): there D "
                       "is not overconfident but too slow, and this slows nothing down.",
    "instance_noise": "Blur real and fake with Gaussian noise (fading to 0) so their supports overlap early on. "
                      "Does not rescue ring8-collapse (std 0.3 over 4,000 steps: no seed of 5 healthy): the blur "
                      "makes D even slower to find G's clump, which keeps hopping. Switched on live at step 1,000 "
                      "(std 0.1, fading from there): no mode in any of 5 seeds.",
    "spectral_norm": "Scale each D layer by its largest singular value: keeps D smooth (Lipschitz). "
                     "Does not rescue ring8-collapse (0 of 8 modes in 5 of 5 seeds): it makes a D that is already "
                     "too slow slower still.",
    "minibatch_std": "D also sees the batch's spread, so a G that makes the same thing every time is easy to spot. "
                     "Fixes ring8-collapse (preset ring8-collapse+mbstd).",
    "pack": "PacGAN: D judges this many samples at once; a collapsed G shows as look-alike packs. 1 = off. "
            "Only half a fix for ring8-collapse (pack 2: the ring back in 3 of 5 seeds; with G 20x faster, D still "
            "falls behind in the other 2).",
    "unrolled_steps": "G looks this many D updates ahead before it moves, so it cannot chase D around the modes. "
                      "0 = off. Fixes ring8-collapse (5 steps: preset ring8-collapse+unrolled). Applies live: "
                      "switched on at step 1,000 of the collapsing run it rescued 3 of 5 seeds and left none "
                      "collapsed (5-7 modes), the best live fix measured.",
    "feature_matching": "G matches the average of D's inner features on real data instead of fooling D's output. "
                        "Only half a fix for ring8-collapse: the clump goes (4-8 modes touched in 5 seeds) but G "
                        "spreads thinly between the modes (at most 24% of samples on one). Applies live, and does "
                        "no better there (at step 1,000: 1-5 modes, at most 44% on a mode).",
    "ttur": "Two time-scale update rule: give D and G separate learning rates (D 4e-4, G 1e-4). On "
            "ring8-collapse the button's rates stop the hopping but G at 1e-4 is too slow to reach the modes in "
            "6,000 steps (no seed of 5 with 60% of samples on a mode); the ring8-collapse+ttur rates (D 1e-2, "
            "G 3e-3) fix it.",
    "d_steps": "D:G step ratio: how many D updates per G update (WGAN uses 5). Applies live. On ring8-collapse "
               "5 or even 10 stop the hopping but are no full fix: G settles on 3-7 of the 8 modes (10: the ring "
               "back in 2 of 5 seeds).",
    "grad_clip": "Cap each network's gradient norm at this value so one bad batch cannot blow training up. 0 = off. "
                 "Does not rescue ring8-collapse (1: 4 of 5 seeds on 0-1 modes): Adam rescales every step anyway.",
    "ema": "Show samples from a moving average of G's weights: smoother, less jittery pictures. 0 = off. "
           "Does not rescue ring8-collapse (0.99: 4 of 5 seeds on 0-1 modes): an average of hops is no spread.",
    "r1_gamma": "R1: penalise D's gradient on real data (gamma/2 E||grad D(x)||^2): stops D over-reacting. 0 = off. "
                "Does not rescue ring8-collapse, where D is too slow, not over-reacting: gamma 1 leaves 4 of 5 seeds "
                "on 0-2 modes; gamma 10 reaches all 8 in 2 seeds with at most 53% of samples on a mode. Applies "
                "live, and no better there (gamma 1 or 0.1 at step 1,000: no mode in 9 of 10 runs).",
    # under the Objective dropdown in the first column, so two lines at most (docs/MODE_COLLAPSE.md has why)
    "objective": "None rescues ring8-collapse: LSGAN, hinge and WGAN-GP healthy in 0 of 5 seeds each.",
}
TTUR_LRS = {"lr_g": 1e-4, "lr_d": 4e-4}


def is_points(dataset: str) -> bool:
    return dataset in POINT_DATASETS or dataset == OWN_POINTS


def preset_for(preset: str, dataset: str) -> str:
    """The preset whose hidden settings (init, activation, ...) a run on `dataset` uses: the given
    preset when it fits the dataset's kind (points vs images), else the dataset's own preset, else
    the default preset of its kind."""
    if preset in PRESETS and is_points(get_preset(preset).data.name) == is_points(dataset):
        return preset
    if dataset in PRESETS:
        return dataset
    return DEFAULT_PRESET if is_points(dataset) else "mnist5k"


def base_config(preset: str, dataset: str, own: dict | None = None) -> RunConfig:
    """The config of `preset_for(preset, dataset)`, on `dataset` (`own`: its points or path, for a
    student's own data: ui/own_data.data_overrides)."""
    return get_preset(preset_for(preset, dataset), data={"name": dataset, **(own or {})})


def values_from_config(cfg: RunConfig) -> dict:
    """Widget values that show `cfg`."""
    out = {}
    for key, (section, name) in SETTINGS.items():
        value = getattr(getattr(cfg, section), name)
        if key.startswith("beta"):
            value = value[0] if key[4] == "1" else value[1]
        out[key] = value
    if cfg.model.arch == "dcgan":
        out["width"] = cfg.model.ngf
    return out


def config_from_values(values: dict, preset: str, own: dict | None = None) -> RunConfig:
    """A validated RunConfig from the widget values (raises ConfigError with a readable message)."""
    dataset = values["dataset"]
    base = base_config(preset, dataset, own)
    sections = {"data": {}, "model": {}, "loss": {}, "train": {}}
    for key, (section, name) in SETTINGS.items():
        if not key.startswith("beta") and key != "width":
            sections[section][name] = values[key]
    try:
        sections["model"].update(nz=int(values["nz"]), depth=int(values["depth"]), pack=int(values["pack"]))
        sections["train"].update(
            batch_size=int(values["batch_size"]), d_steps=int(values["d_steps"]), seed=int(values["seed"]),
            unrolled_steps=int(values["unrolled_steps"]), lr_g=float(values["lr_g"]), lr_d=float(values["lr_d"]),
            betas_g=(float(values["beta1_g"]), float(values["beta2_g"])),
            betas_d=(float(values["beta1_d"]), float(values["beta2_d"])))
        sections["loss"].update({k: float(values[k]) for k in ("label_smoothing", "instance_noise", "r1_gamma")})
        sections["train"].update(grad_clip=float(values["grad_clip"]), ema=float(values["ema"]))
        width = int(values["width"])
    except (TypeError, ValueError) as e:  # an empty or non-numeric box
        raise ConfigError(f"a setting is empty or not a number: {e}") from e
    if is_points(dataset):
        sections["model"].update(arch="mlp", hidden=width)
    else:
        sections["model"].update(arch="dcgan", ngf=width, ndf=width)
    return base.replace(**sections)


def live_settings(cfg: RunConfig) -> dict:
    """{live key: value} of `cfg`: what Run.set_live takes to make a run match these settings."""
    return {key: getattr(getattr(cfg, SETTINGS[key][0]), SETTINGS[key][1]) for key in LIVE_KEYS}


def same_run(a: RunConfig, b: RunConfig) -> bool:
    """True when a and b differ at most in the settings that apply live (lrs, D steps, the live fixes)."""
    sections: dict[str, dict] = {}
    for key in LIVE_KEYS:
        section, name = SETTINGS[key]
        sections.setdefault(section, {})[name] = getattr(getattr(a, section), name)
    sections["loss"]["instance_noise_start"] = a.loss.instance_noise_start
    try:
        return a == b.replace(**sections)
    except ConfigError:  # a's live values do not fit b (unrolled D on images): another run
        return False
