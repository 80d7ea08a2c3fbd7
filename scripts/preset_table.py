"""Reproduce the preset table in docs/PRESETS.md: each 2D preset over 5 seeds, through the CLI.

For each preset and seed this runs exactly what a user would:
    python -m gan_core train --preset NAME --seed S --out DIR
    python -m gan_core evaluate DIR/NAME-sS.safetensors --json
and tabulates modes covered and high-quality fraction (definitions in docs/METRICS.md).

    python scripts/preset_table.py [--presets ring8 ring8-collapse grid25] [--seeds 0 1 2 3 4] [--jobs 2]

The presets not named keep the sections they already have in the output file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_core.presets import COLLAPSE_FIXES, get_preset  # noqa: E402

CHECKS = {  # what each preset must show (the engine issue's "must show")
    "ring8": ("8/8 modes with high-quality fraction >= 0.8, for at least 4 of 5 seeds",
              lambda m: m["modes_covered"] == 8 and m["high_quality_fraction"] >= 0.8),
    "ring8-collapse": ("at most 3 modes, for at least 4 of 5 seeds", lambda m: m["modes_covered"] <= 3),
    # the collapse lesson's fixes (issue #17 §1): each restores the ring
    **{f"ring8-collapse+{fix}": ("at least 7 of 8 modes with high-quality fraction >= 0.6, for at least 4 of 5 seeds",
                                 lambda m: m["modes_covered"] >= 7 and m["high_quality_fraction"] >= 0.6)
       for fix in COLLAPSE_FIXES},
    "grid25": ("at least 22 of 25 modes and high-quality fraction >= 0.5, for at least 4 of 5 seeds",
               lambda m: m["modes_covered"] >= 22 and m["high_quality_fraction"] >= 0.5),
}


def kept_sections(path: Path, redone: list[str]) -> dict[str, list[str]]:
    """The sections ("## name" to the next) of an existing table for the presets not run again."""
    if not path.exists():
        return {}
    sections, name = {}, None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            sections[name] = []
        if name is not None:
            sections[name].append(line)
    return {k: v for k, v in sections.items() if k not in redone}


def run_one(preset: str, seed: int, out: Path) -> dict:
    name = f"{preset}-s{seed}"
    t0 = time.time()
    subprocess.run([sys.executable, "-m", "gan_core", "train", "--preset", preset, "--seed", str(seed),
                    "--device", "cpu", "--out", str(out), "--name", name, "--quiet"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    res = subprocess.run([sys.executable, "-m", "gan_core", "evaluate", str(out / f"{name}.safetensors"), "--json"],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    metrics = json.loads(res.stdout)
    modes = metrics["modes"]
    return {"preset": preset, "seed": seed, "seconds": round(time.time() - t0, 1), **modes}


def rows_from_results(path: Path, presets: list[str], seeds: list[int]) -> list[dict]:
    """Rows for the collapse lesson's presets from scripts/collapse_experiment.py's results: the same
    preset configs, trained by the same train_step for the preset's steps and measured on 2,500 samples
    (diagnose, the numbers `evaluate` prints), so the CPU need not train them twice."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from collapse_experiment import CONFIGS
    by_config = {(data, name): spec[0] for data in ("ring8-collapse", "grid25")
                 for name, spec in CONFIGS[data].items() if len(spec) == 2 and not spec[1]}  # a preset as it is
    out = []
    for line in path.read_text().splitlines():
        r = json.loads(line) if line.strip() else {}
        preset = by_config.get((r.get("data"), r.get("config")))
        if preset in presets and r["seed"] in seeds and r["steps"] == get_preset(preset).train.steps:
            out.append({"preset": preset, "seed": r["seed"], "seconds": r["train_seconds"],
                        **{k: r[k] for k in ("modes_covered", "n_modes", "high_quality_fraction", "kl_to_uniform")}})
    return sorted(out, key=lambda r: (presets.index(r["preset"]), r["seed"]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", nargs="+", default=list(CHECKS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel (each uses one thread)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "PRESETS.md"))
    ap.add_argument("--from-results", default="", metavar="JSONL",
                    help="take the rows from scripts/collapse_experiment.py's results instead of training")
    args = ap.parse_args()
    if args.from_results:
        rows = rows_from_results(Path(args.from_results), args.presets, args.seeds)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="presets-"))
        jobs = [(p, s) for p in args.presets for s in args.seeds]
        with ThreadPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(lambda j: run_one(j[0], j[1], tmp), jobs))
    lines = ["# Preset results over 5 seeds", "",
             "Produced by `python scripts/preset_table.py` (each row: `python -m gan_core train --preset NAME "
             "--seed S` then `evaluate`), on the CPU. Modes covered and high-quality fraction are defined in "
             "docs/METRICS.md (2,500 samples; a sample is high quality within 3 std of its nearest centre).", "",
             "The collapse lesson's presets (`ring8-collapse` and `ring8-collapse+<fix>`) and `grid25` are not "
             "trained twice: "
             "`python scripts/preset_table.py --presets NAMES --from-results docs/collapse_results.jsonl` takes their "
             "rows from `scripts/collapse_experiment.py`, which trains the same preset configs with the same "
             "`train_step` for the preset's steps and measures them with the same `diagnose` "
             "(time = training only).", "",
             "The phenomena presets (`saturation`, `wgan-clip`, `oscillation`, `d-overpowers`, `memorise`, each with "
             "its `+<cure>`) are not here: modes covered is not what they show. docs/PHENOMENA.md measures each by "
             "its own number over 5 seeds (`scripts/phenomena_experiment.py`).", ""]
    kept = kept_sections(Path(args.out), args.presets)
    for preset in [p for p in CHECKS if p in kept or p in args.presets] + [p for p in args.presets if p not in CHECKS]:
        if preset in kept:  # not run this time: its rows stay as they were measured
            lines += kept[preset] if kept[preset][-1] == "" else kept[preset] + [""]
            continue
        mine = [r for r in rows if r["preset"] == preset]
        want, check = CHECKS.get(preset, ("", lambda m: True))
        passed = sum(bool(check(r)) for r in mine)
        lines += [f"## {preset}", "", f"Target: {want}. **Met for {passed} of {len(mine)} seeds.**", "",
                  "| seed | modes covered | high-quality fraction | KL(modes || uniform) | train + eval time (s) |",
                  "| --- | --- | --- | --- | --- |"]
        for r in mine:
            kl = "-" if r.get("kl_to_uniform") is None else f"{r['kl_to_uniform']:.3f}"
            lines.append(f"| {r['seed']} | {r['modes_covered']}/{r['n_modes']} | {r['high_quality_fraction']:.3f} "
                         f"| {kl} | {r['seconds']} |")
        lines.append("")
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
