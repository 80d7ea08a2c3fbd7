"""Does each mode-collapse fix actually fix it? A vanilla GAN against several fixes, over 5 seeds.

For each data set, every configuration is a RunConfig override of a preset; each is trained with
gan_core.train (the same `train_step` the app uses) for the same number of G steps per seed, then
measured with gan_core.evaluation.diagnostics.diagnose:
  ring8, grid25   modes covered and high-quality fraction (2,500 samples, within 3 std of a mode)
  digits          classes covered and KL(class histogram || uniform) from the shipped classifier,
                  plus mean confidence and recall
Results go to a JSON-lines file, one run per line with its full config, so an interrupted run
resumes where it stopped; the tables are printed as Markdown (and written with --markdown).

    python scripts/collapse_experiment.py --data ring8-collapse --jobs 4   # the collapse lesson (6,000 steps, 5 seeds)
    python scripts/collapse_experiment.py                       # the earlier table (~40 CPU-minutes, 1 thread)
    python scripts/collapse_experiment.py --quick               # a 2-minute smoke test of the script
    python scripts/collapse_experiment.py --data ring8 --seeds 0 1 --steps ring8=500

The collapse lesson ("ring8-collapse") runs the `ring8-collapse` preset, each `ring8-collapse+<fix>`
preset, each live-switchable fix switched on the baseline at step LESSON_LIVE_AT (as Run.set_live
does), and the measured non-fixes of gan_core.presets.COLLAPSE_NO_HELP.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import torch  # noqa: E402
from seed_runs import load_rows, mean_sd, merged, run_all  # noqa: E402

from gan_core.evaluation.diagnostics import diagnose  # noqa: E402
from gan_core.frozen import from_gan  # noqa: E402
from gan_core.gan import build_gan  # noqa: E402
from gan_core.presets import get_preset  # noqa: E402
from gan_core.train import train_step  # noqa: E402
from live.single.live_fixes import apply_live  # noqa: E402

# The collapse lesson (docs/MODE_COLLAPSE.md, issue #17): the `ring8-collapse` preset, each of its
# `ring8-collapse+<fix>` presets, the same fix switched on live on the collapsing run (what the Train
# tab's live controls do), and the lecture fixes that do not rescue it here (their tooltips say so).
LESSON_LIVE_AT = 1000  # the live switch happens here: the clump has hopped for ~30 s; at 2,000 G is too far gone
# Fixes the Train tab can switch on live that are not lesson presets: measured live only
# (live settings, as Run.set_live)
LIVE_ONLY: dict[str, dict] = {"R1 (gamma 1)": {"r1_gamma": 1.0}, "R1 (gamma 0.1)": {"r1_gamma": 0.1},
                              "feature matching": {"feature_matching": True},
                              "instance noise (0.1)": {"instance_noise": 0.1},
                              "unrolled (10 steps)": {"unrolled_steps": 10},
                              "unrolled + ttur": {"unrolled_steps": 5, "lr_g": 3e-3, "lr_d": 1e-2}}


def _lesson_configs() -> dict[str, tuple]:
    from gan_core.presets import COLLAPSE_FIXES, COLLAPSE_NO_HELP  # (after sys.path)
    out: dict[str, tuple] = {"ring8-collapse (G 20x faster than D)": ("ring8-collapse", {})}
    for fix in COLLAPSE_FIXES:
        out[f"+{fix}"] = (f"ring8-collapse+{fix}", {})
    for fix, (_, _, live) in COLLAPSE_FIXES.items():
        if live:
            out[f"+{fix}, switched on live at step {LESSON_LIVE_AT}"] = ("ring8-collapse", {}, (LESSON_LIVE_AT, live))
    for fix, live in LIVE_ONLY.items():
        out[f"+{fix}, switched on live at step {LESSON_LIVE_AT}"] = ("ring8-collapse", {}, (LESSON_LIVE_AT, live))
    for name, (_, overrides) in COLLAPSE_NO_HELP.items():
        out[f"+{name}"] = ("ring8-collapse", overrides)
    return out


# Vanilla = the original minimax objective (Goodfellow 2014), one D step per G step, no tricks.
# The ring8/grid25 presets carry EMA, packing and minibatch std-dev: switch them all off (as recorded).
VANILLA_2D = {"loss": {"objective": "minimax"}, "model": {"pack": 1, "minibatch_std": False}, "train": {"ema": 0.0}}
WGAN_GP = {"loss": {"objective": "wgan-gp", "gp_weight": 10.0},  # Gulrajani 2017's recipe
           "train": {"d_steps": 5, "lr_g": 1e-4, "lr_d": 1e-4, "betas_g": (0.5, 0.9), "betas_d": (0.5, 0.9)}}


def _mixture_configs(preset: str) -> dict[str, tuple[str, dict]]:
    return {
        "vanilla GAN": (preset, VANILLA_2D),
        "WGAN-GP": (preset, merged(VANILLA_2D, WGAN_GP)),
        "PacGAN (pack 2)": (preset, merged(VANILLA_2D, {"model": {"pack": 2}})),
        "minibatch std-dev": (preset, merged(VANILLA_2D, {"model": {"minibatch_std": True}})),
        "unrolled D (5 steps)": (preset, merged(VANILLA_2D, {"train": {"unrolled_steps": 5}})),
    }


GRID25_AS_RUN = {"train": {"batch_size": 256, "lr_g": 1e-3, "lr_d": 1e-3}}


# The digits DCGAN preset uses the non-saturating G loss; vanilla here is the minimax loss, like 2D.
VANILLA_DIGITS = {"loss": {"objective": "minimax"}, "model": {"pack": 1, "minibatch_std": False}}
CONFIGS: dict[str, dict[str, tuple]] = {  # name -> (preset, overrides[, (step, live settings)])
    "ring8-collapse": _lesson_configs(),
    "ring8": _mixture_configs("ring8"),
    # the comparison as it was run (batch 256, Adam lr 1e-3 for both; the preset has moved on), then the shipped
    # preset itself for its own steps (`--configs "the grid25 preset" --steps grid25=N`)
    "grid25": {**{name: (p, merged(GRID25_AS_RUN, o)) for name, (p, o) in _mixture_configs("grid25").items()},
               "the grid25 preset": ("grid25", {})},
    "digits": {
        "vanilla GAN": ("digits", VANILLA_DIGITS),
        "non-saturating loss": ("digits", merged(VANILLA_DIGITS, {"loss": {"objective": "nonsaturating"}})),
        "PacGAN (pack 2)": ("digits", merged(VANILLA_DIGITS, {"model": {"pack": 2}})),
        "minibatch std-dev": ("digits", merged(VANILLA_DIGITS, {"model": {"minibatch_std": True}})),
        "spectral norm + hinge": ("digits", merged(VANILLA_DIGITS, {"model": {"spectral_norm": True},
                                                                   "loss": {"objective": "hinge"}})),
    },
}
# Unrolling costs 6 D passes per step (WGAN-GP's 5 critic steps cost about as much): off by
# default on this shared CPU; name it with --configs to include it.
OPTIONAL = {"unrolled D (5 steps)", "the grid25 preset"}
# G steps: short, CPU time is shared
DEFAULT_STEPS = {"ring8-collapse": 6000, "ring8": 1500, "grid25": 2000, "digits": 1000}
EVAL_N = {"ring8-collapse": 2500, "ring8": 2500, "grid25": 2500, "digits": 2000}


def _costly(data: str, name: str) -> bool:
    """Runs that take several D passes per step (unrolling, WGAN-GP, D steps)."""
    preset, overrides, *_ = CONFIGS[data][name]
    t = get_preset(preset, **overrides).train
    live = CONFIGS[data][name][2][1] if len(CONFIGS[data][name]) > 2 else {}
    return t.unrolled_steps > 0 or t.d_steps > 1 or bool(live.get("unrolled_steps")) or live.get("d_steps", 1) > 1


def _run_job(job: tuple) -> dict:
    torch.set_num_threads(1)
    return run_one(*job)


def run_one(data: str, name: str, seed: int, steps: int) -> dict:
    """Train one configuration for `steps` G steps from `seed`, then diagnose it."""
    preset, overrides, *live = CONFIGS[data][name]
    cfg = get_preset(preset, **merged(overrides, {"train": {"seed": seed, "steps": steps, "device": "cpu"}}))
    t0 = time.perf_counter()
    gan = build_gan(cfg, "cpu")
    diverged = False
    for i in range(steps):
        if live and i == live[0][0]:  # what Run.set_live does between two steps (the Trainer calls the same)
            apply_live(gan, live[0][1])
        out = train_step(gan)
        if i % 100 == 99 and not all(torch.isfinite(v).item() for v in out.values()):
            diverged = True
            break
    seconds = time.perf_counter() - t0
    row = {"data": data, "config": name, "seed": seed, "steps": steps, "train_seconds": round(seconds, 1),
           "run_config": cfg.to_dict(), "diverged": diverged,
           **({"live": list(live[0]), "config_after_live": gan.current_config().to_dict()} if live else {})}
    if diverged:
        return row
    report = diagnose(from_gan(gan, f"{data} {name} seed {seed}"), n=EVAL_N[data], seed=seed)
    row["level"] = report["level"]
    if "modes" in report:
        row.update({k: report["modes"][k] for k in ("modes_covered", "n_modes", "high_quality_fraction",
                                                     "kl_to_uniform")})
    if "class_histogram" in report:
        h = report["class_histogram"]
        row.update({"classes_covered": h["classes_covered"], "n_classes": h["n_classes"],
                    "class_kl": h["kl_to_uniform"], "mean_confidence": h["mean_confidence"],
                    "top_classes": h["top_classes"], "top_classes_share": h["top_classes_share"],
                    "recall": report["precision_recall"]["recall"],
                    "frechet_distance": report.get("frechet_distance")})
    return row


# ---------------------------------------------------------------------------------------- tables

def table(rows: list[dict], data: str) -> list[str]:
    mine = [r for r in rows if r["data"] == data]
    if not mine:
        return []
    steps = sorted({r["steps"] for r in mine})
    seeds = sorted({r["seed"] for r in mine})
    lines = [f"### {data}: {', '.join(map(str, steps))} steps, seeds {', '.join(map(str, seeds))}", ""]
    if data == "digits":
        lines += ["| configuration | classes covered (of 10) | KL(classes ‖ uniform) | mean confidence | recall "
                  "| Fréchet distance | runs judged collapsed | per seed: classes covered |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    elif data == "ring8-collapse":
        # the lesson's bars (issue #17): healthy >= 7 of 8 modes and HQ >= 0.6, collapsed <= 3
        lines += ["| configuration | healthy (>= 7 of 8 modes, HQ >= 0.6) | collapsed (<= 3 modes) | modes covered "
                  "| high-quality fraction | runs judged collapsed | per seed: modes / HQ |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
    else:
        lines += ["| configuration | modes covered | high-quality fraction | KL(modes ‖ uniform) "
                  "| runs judged collapsed | per seed: modes covered |", "| --- | --- | --- | --- | --- | --- |"]
    for name in CONFIGS[data]:
        runs = sorted((r for r in mine if r["config"] == name), key=lambda r: r["seed"])
        if not runs:
            continue
        ok = [r for r in runs if not r["diverged"]]
        collapsed = f"{sum(r['level'] == 'collapse' for r in ok)} of {len(runs)}"
        if len(ok) < len(runs):
            collapsed += f" ({len(runs) - len(ok)} diverged)"
        if data == "digits":
            per_seed = ", ".join(str(r.get("classes_covered", "NaN")) for r in runs)
            lines.append(f"| {name} | {mean_sd([r['classes_covered'] for r in ok], '.1f')} "
                         f"| {mean_sd([r['class_kl'] for r in ok], '.2f')} "
                         f"| {mean_sd([r['mean_confidence'] for r in ok], '.2f')} "
                         f"| {mean_sd([r['recall'] for r in ok], '.2f')} "
                         f"| {mean_sd([r['frechet_distance'] for r in ok], '.1f')} | {collapsed} | {per_seed} |")
        elif data == "ring8-collapse":
            healthy = sum(r["modes_covered"] >= 7 and r["high_quality_fraction"] >= 0.6 for r in ok)
            few = sum(r["modes_covered"] <= 3 for r in ok)
            per_seed = ", ".join(f"{r['modes_covered']} / {r['high_quality_fraction']:.2f}" for r in ok)
            lines.append(f"| {name} | **{healthy} of {len(runs)}** | {few} of {len(runs)} "
                         f"| {mean_sd([r['modes_covered'] for r in ok], '.1f')} / 8 "
                         f"| {mean_sd([r['high_quality_fraction'] for r in ok], '.2f')} | {collapsed} | {per_seed} |")
        else:
            per_seed = ", ".join(str(r.get("modes_covered", "NaN")) for r in runs)
            n_modes = ok[0]["n_modes"] if ok else "?"
            lines.append(f"| {name} | {mean_sd([r['modes_covered'] for r in ok], '.1f')} / {n_modes} "
                         f"| {mean_sd([r['high_quality_fraction'] for r in ok], '.2f')} "
                         f"| {mean_sd([r['kl_to_uniform'] for r in ok], '.2f')} | {collapsed} | {per_seed} |")
    seconds = sum(r["train_seconds"] for r in mine)
    return lines + ["", f"Training time for these {len(mine)} runs: {seconds / 60:.1f} CPU-minutes (1 thread).", ""]


def _shown(row: dict) -> str:
    shown = {k: row.get(k) for k in ("modes_covered", "high_quality_fraction", "classes_covered", "class_kl", "level",
                                      "train_seconds")}
    return f"{row['data']:7s} {row['config']:22s} seed {row['seed']}: {shown}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", default=["ring8", "grid25", "digits"], choices=list(CONFIGS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("--steps", nargs="*", default=[], metavar="DATA=N",
                    help=f"G steps per run, per data set (default {DEFAULT_STEPS})")
    ap.add_argument("--configs", nargs="*", default=None,
                    help=f"only these configuration names (default: all but {sorted(OPTIONAL)})")
    ap.add_argument("--quick", action="store_true", help="2 seeds, 200 steps: checks the script, not the fixes")
    ap.add_argument("--results", default=str(ROOT / "docs" / "collapse_results.jsonl"),
                    help="JSON lines, one per run; runs already in it are skipped")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel, one process and one thread each")
    ap.add_argument("--markdown", default="", help="also write the tables to this file")
    args = ap.parse_args()
    torch.set_num_threads(1)  # the machine is shared; tiny nets gain little from more threads
    steps = dict(DEFAULT_STEPS)
    if args.quick:
        steps, args.seeds = {k: 200 for k in steps}, args.seeds[:2]
    for item in args.steps:
        key, _, value = item.partition("=")
        if key not in steps or not value.isdigit():
            ap.error(f"--steps takes DATA=N with DATA in {list(steps)}; got {item!r}")
        steps[key] = int(value)
    if args.configs is None:
        args.configs = [name for runs in CONFIGS.values() for name in runs if name not in OPTIONAL]
    path = Path(args.results)
    rows = load_rows(path)
    done = {(r["data"], r["config"], r["seed"], r["steps"]) for r in rows}
    todo = [(data, name, seed, steps[data]) for data in args.data
            for seed in args.seeds  # seed-major: a stopped run still has every configuration on a few seeds
            for name in CONFIGS[data] if name in args.configs and (data, name, seed, steps[data]) not in done]
    todo.sort(key=lambda job: _costly(*job[:2]))  # the cheap runs first (a stable sort keeps seed-major)
    rows += run_all(todo, _run_job, path, args.jobs, _shown)  # one thread each; rows are written as runs finish
    wanted = [r for r in rows if r["data"] in args.data and r["seed"] in args.seeds
              and r["steps"] == steps[r["data"]] and r["config"] in args.configs]
    lines = [line for data in args.data for line in table(wanted, data)]
    print("\n".join(lines))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
