"""What else goes wrong (issue #27): each phenomenon's preset and its cure's, over 5 seeds.

Every phenomenon in gan_core.presets.PHENOMENA is a preset `<phenomenon>` and a preset
`<phenomenon>+<cure>`, the same config but for the cure. Each is trained with gan_core.train's
`train_step` (the step the app and `python -m gan_core train` use) for the preset's steps, on the
CPU with one thread per run, and measured at the end with the functions of
gan_core.evaluation.phenomena on what the app shows: the per-step numbers of the curves (read
every LOG_EVERY steps), the Train tab's field (D's heat map), G's samples from fixed noise, and
gan_core.evaluation.diagnostics.diagnose (modes, precision/recall, nearest training images).
CLAIMS says, per phenomenon, which measure shows it and the thresholds the phenomenon and its
cure must pass; a claim holds when it passes in at least 4 of the 5 seeds.

Results go to a JSON-lines file, one run per line with its full config, so an interrupted run
resumes; the table is printed as Markdown and, with --doc, written into docs/PHENOMENA.md
between its markers (tests/gan_core/test_phenomena.py checks that the two agree).

    PYTHONPATH=. python scripts/phenomena_experiment.py --jobs 2       # everything, seeds 0-4
    PYTHONPATH=. python scripts/phenomena_experiment.py --only saturation --seeds 0
    PYTHONPATH=. python scripts/phenomena_experiment.py --doc          # the table into docs/PHENOMENA.md
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
from seed_runs import load_rows, run_all  # noqa: E402

from gan_core.evaluation import phenomena as measures  # noqa: E402
from gan_core.evaluation.diagnostics import diagnose  # noqa: E402
from gan_core.evaluation.phenomena import CLAIMS, passes  # noqa: E402,F401  (the claims live beside their measures)
from gan_core.frozen import from_gan  # noqa: E402
from gan_core.gan import build_gan  # noqa: E402
from gan_core.pictures.field import compute_field  # noqa: E402
from gan_core.presets import PHENOMENA, get_preset  # noqa: E402
from gan_core.train import train_step  # noqa: E402

RESULTS = ROOT / "docs" / "phenomena_results.jsonl"
DOC = ROOT / "docs" / "PHENOMENA.md"
SEEDS = (0, 1, 2, 3, 4)
HOLDS_IN = 4  # of 5 seeds
LOG_EVERY = 10  # steps between two readings of the per-step numbers (the curves' points)
TAIL = 0.1  # "at the end": the last 10% of the readings
SWING_TAIL = 0.33  # "late in the run", for how much D(x) still swings: the last third
DRIFT_GAP = 100  # steps between the two snapshots of G's fixed-noise samples
EVAL_N = 2000  # samples for diagnose
TRUNCATION_PSI = 0.5  # the truncated sampling measured on each run of the image presets
MARK_BEGIN, MARK_END = "<!-- phenomena table: begin -->", "<!-- phenomena table: end -->"


def preset_pair(phenomenon: str) -> tuple[str, str]:
    return phenomenon, f"{phenomenon}+{PHENOMENA[phenomenon][2]}"


# ----------------------------------------------------------------------------------------- one run

def _run_job(job: tuple) -> dict:
    torch.set_num_threads(1)
    return run_one(*job)


def run_one(phenomenon: str, preset: str, seed: int) -> dict:
    """Train `preset` from `seed` for its steps, then measure it."""
    cfg = get_preset(preset, train={"seed": seed, "device": "cpu"})
    gan = build_gan(cfg, "cpu")
    fixed_z = gan.sample_z(500, torch.Generator().manual_seed(12345))  # [500, nz]: the field's fixed noise
    series: dict[str, list[float]] = {"grad_norm_g": [], "d_real": [], "d_fake": []}
    t0 = time.perf_counter()
    before = None
    for i in range(cfg.train.steps):
        out = train_step(gan)
        if i % LOG_EVERY == LOG_EVERY - 1:
            for key in series:
                series[key].append(float(out[key]))
        if i == cfg.train.steps - DRIFT_GAP - 1:
            before = _samples(gan, fixed_z)
    row = {"phenomenon": phenomenon, "preset": preset, "seed": seed, "steps": cfg.train.steps,
           "train_seconds": round(time.perf_counter() - t0, 1), "run_config": cfg.to_dict()}
    if not all(torch.isfinite(torch.tensor(v)).all() for v in series.values()):
        return {**row, "diverged": True}
    row.update(diverged=False, grad_norm_g_end=measures.tail_mean(series["grad_norm_g"], TAIL),
               d_real_end=measures.tail_mean(series["d_real"], TAIL),
               d_fake_end=measures.tail_mean(series["d_fake"], TAIL),
               d_real_swing=measures.tail_std(series["d_real"], SWING_TAIL),
               drift=measures.sample_drift(before, _samples(gan, fixed_z)))
    row["d_gap_end"] = row["d_real_end"] - row["d_fake_end"]
    if cfg.data.is_points:
        heat = compute_field(gan, fixed_z)["heat"]
        row.update(d_range=measures.value_range(heat), d_linear_r2=measures.linear_fit_r2(heat))
    row.update(_diagnosis(gan, preset, seed))
    return row


@torch.no_grad()
def _samples(gan, z: torch.Tensor) -> torch.Tensor:
    G = gan.G_eval
    was = G.training
    G.eval()
    x = G(z).cpu().clone()
    G.train(was)
    return x


def _diagnosis(gan, preset: str, seed: int) -> dict:
    source = from_gan(gan, f"{preset} seed {seed}")
    report = diagnose(source, n=EVAL_N, seed=seed)
    out = {"level": report["level"], "precision": report["precision_recall"]["precision"],
           "recall": report["precision_recall"]["recall"],  # and D on clean samples (no instance noise):
           "d_real_clean": report["d_histograms"]["mean_real"], "d_fake_clean": report["d_histograms"]["mean_fake"]}
    if "modes" in report:
        out.update(modes_covered=report["modes"]["modes_covered"],
                   high_quality_fraction=report["modes"]["high_quality_fraction"])
    if "nearest_training" in report:
        out["memorisation_ratio"] = measures.memorisation_ratio(report["nearest_training"])
        out["classes_covered"] = report["class_histogram"]["classes_covered"]
        truncated = diagnose(source, n=EVAL_N, seed=seed, truncation=TRUNCATION_PSI)["precision_recall"]
        out.update(truncated_precision=truncated["precision"], truncated_recall=truncated["recall"])
    return out


# ------------------------------------------------------------------------------------------- table

def holds(rows: list[dict], preset: str, test: tuple[str, float], measure: str) -> tuple[int, list[dict]]:
    """(seeds in which the test passes, the preset's rows by seed: those run for the preset's steps)."""
    steps = get_preset(preset).train.steps
    runs = sorted((r for r in rows if r["preset"] == preset and r["seed"] in SEEDS and r["steps"] == steps),
                  key=lambda r: r["seed"])
    return sum(passes(r.get(measure), test) for r in runs), runs


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.2g}" if abs(value) < 0.01 and value != 0 else f"{value:.2f}"


def table(rows: list[dict]) -> str:
    """The claims against the runs, one line per preset, as Markdown."""
    lines = ["| phenomenon | preset | measure | claim | per seed (0-4) | holds in |",
             "| --- | --- | --- | --- | --- | --- |"]
    for phenomenon, claim in CLAIMS.items():
        for preset, test in zip(preset_pair(phenomenon), (claim.phenomenon, claim.cure)):
            k, runs = holds(rows, preset, test, claim.measure)
            values = ", ".join(_fmt(r.get(claim.measure)) for r in runs) or "not run"
            lines.append(f"| {phenomenon} | `{preset}` | {claim.words} | {test[0]} {test[1]:g} | {values} "
                         f"| **{k} of {len(SEEDS)}** |")
    return "\n".join(lines)


def write_doc(rows: list[dict]) -> None:
    text = DOC.read_text()
    head, _, rest = text.partition(MARK_BEGIN)
    _, _, tail = rest.partition(MARK_END)
    DOC.write_text(f"{head}{MARK_BEGIN}\n{table(rows)}\n{MARK_END}{tail}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", default=list(PHENOMENA), choices=list(PHENOMENA))
    ap.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel, one process and one thread each")
    ap.add_argument("--results", default=str(RESULTS), help="JSON lines, one per run; runs already in it are skipped")
    ap.add_argument("--doc", action="store_true", help="write the table into docs/PHENOMENA.md")
    args = ap.parse_args()
    torch.set_num_threads(1)
    path = Path(args.results)
    rows = load_rows(path)
    done = {(r["preset"], r["seed"], r["steps"]) for r in rows}
    todo = [(p, preset, seed) for seed in args.seeds for p in args.only for preset in preset_pair(p)
            if (preset, seed, get_preset(preset).train.steps) not in done]
    show = lambda r: (f"{r['preset']:24s} seed {r['seed']}: " +  # noqa: E731
                      ", ".join(f"{k} {_fmt(r.get(k))}" for k in {c.measure for c in CLAIMS.values()} if k in r))
    rows += run_all(todo, _run_job, path, args.jobs, show)
    print(table(rows))
    if args.doc:
        write_doc(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
