"""Search for a collapse lesson cheaply: many variants x seeds of a 2D preset, stepped in batched groups.

    python -m benchmarks.collapse_search --base ring8 --steps 4000 --every 500 \
        --variant 'vanilla={"model": {"pack": 1}, "train": {"ema": 0}}' \
        --variant 'pack2={"model": {"pack": 2}, "train": {"ema": 0}}'

Each variant is a set of overrides of the base preset; variants whose architecture and step recipe
match (live.classroom.batched.group_key) share one BatchedGroup, so their seeds and learning rates step in one
call. Every `every` steps each run's shown generator (EMA when on) draws 2,500 points from fixed noise
(seed 0, as `python -m gan_core evaluate`) and gan_core.evaluation.metrics.mode_coverage counts modes. Per variant
it prints, per seed, the trajectory "modes/hq@step" and the dominant mode at each evaluation (a run
whose dominant mode keeps changing while it covers few modes is hopping), then how many seeds end
"collapsed" (<= 3 modes) and "healthy" (>= 7 modes, high-quality fraction >= 0.6).

This is a search tool (unbatchable tricks such as unrolling or R1 are not offered); the published
numbers come from the CLI path (scripts/collapse_experiment.py, scripts/preset_table.py).
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from gan_core.data.points import mixture_centers
from gan_core.evaluation.metrics import mode_coverage
from gan_core.presets import get_preset
from live.classroom.batched import BatchedGroup, group_key


def healthy(modes: int, n_modes: int, hq: float) -> bool:
    return modes >= n_modes - 1 and hq >= 0.6


def run(base: str, variants: dict[str, dict], seeds: list[int], steps: int, every: int) -> dict:
    groups: dict = {}
    for name, overrides in variants.items():
        for seed in seeds:
            over = {k: dict(v) for k, v in overrides.items()}
            over.setdefault("train", {}).update(seed=seed, device="cpu")
            cfg = get_preset(base, **over)
            key = group_key(cfg)
            if key is None:
                raise SystemExit(f"variant {name!r} cannot be batched")
            groups.setdefault(key, BatchedGroup(key)).add(f"{name}|{seed}", cfg)
    some = next(iter(groups.values()))
    cfg0 = some.book(some.run_ids[0]).cfg
    centers, std = mixture_centers(cfg0.data.name)
    z = torch.randn(2500, cfg0.model.nz, generator=torch.Generator().manual_seed(0))
    traj: dict[str, list] = {rid: [] for g in groups.values() for rid in g.run_ids}
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        for g in groups.values():
            g.step(set(g.run_ids))
        if step % every:
            continue
        for g in groups.values():
            for rid in g.run_ids:
                with torch.no_grad():
                    cov = mode_coverage(g.export(rid).G_eval(z), centers, std)
                top = max(range(len(cov.counts)), key=cov.counts.__getitem__) if sum(cov.counts) else -1
                traj[rid].append((step, cov.modes_covered, round(cov.high_quality_fraction, 3), top))
    print(f"# {base}: {sum(len(g) for g in groups.values())} runs in {len(groups)} groups x {steps} steps "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)
    n_modes = len(centers)
    summary = {}
    for name in variants:
        mine = {rid: t for rid, t in traj.items() if rid.split("|")[0] == name}
        print(f"\n## {name}: {json.dumps(variants[name])}")
        for rid, t in mine.items():
            print(f"  seed {rid.split('|')[1]}: " + " ".join(f"{m}/{hq:.2f}@{s}[{top}]" for s, m, hq, top in t))
        last = [t[-1] for t in mine.values()]
        collapsed = sum(m <= 3 for _, m, _, _ in last)
        good = sum(healthy(m, n_modes, hq) for _, m, hq, _ in last)
        summary[name] = (collapsed, good)
        print(f"  -> end: collapsed (<= 3 modes) {collapsed}/{len(last)}, healthy {good}/{len(last)}")
    print("\n" + "\n".join(f"{n}: collapsed {c}, healthy {h}" for n, (c, h) in summary.items()), flush=True)
    return summary


def search_args(ap: argparse.ArgumentParser, seeds: list[int], steps: int,
                every: int) -> tuple[argparse.Namespace, dict]:
    """The options every batched search takes; (args, {variant name: overrides}). Sets the thread count."""
    ap.add_argument("--variant", action="append", required=True, help="NAME=JSON overrides of the base preset")
    ap.add_argument("--seeds", nargs="+", type=int, default=seeds)
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--every", type=int, default=every)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    return args, {name: json.loads(spec) for name, _, spec in (item.partition("=") for item in args.variant)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="ring8")
    args, variants = search_args(ap, seeds=[0, 1, 2, 3, 4], steps=4000, every=500)
    run(args.base, variants, args.seeds, args.steps, args.every)


if __name__ == "__main__":
    main()
