"""Search a sharper grid25 recipe cheaply (issue #17: >= 22 of 25 modes AND high-quality fraction >= 0.5).

    python -m benchmarks.grid25_search --steps 6000 --every 1000 --seeds 0 1 \
        --variant 'base={}' \
        --variant 'decay={"schedule": {"from": 0.6, "factor": 0.1}}'

Like benchmarks/collapse_search.py (variants x seeds stepped in batched groups, the arithmetic of
gan_core.train.train_step), plus an optional learning-rate schedule per variant, tried here before
it becomes a config field: {"schedule": {"from": f, "factor": k}} keeps both learning rates until
step f * steps, then lowers them linearly (in log space) to k times the preset's by the last step.
Per evaluation it prints modes / high-quality fraction of the shown generator (EMA when on) on 2,500
points from fixed noise (seed 0), then how many seeds meet the bar.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import torch

from benchmarks.collapse_search import search_args
from gan_core.data.points import mixture_centers
from gan_core.evaluation.metrics import mode_coverage
from gan_core.presets import get_preset
from live.classroom.batched import BatchedGroup, group_key


def meets_bar(modes: int, hq: float) -> bool:
    return modes >= 22 and hq >= 0.5


def lr_factor(step: int, steps: int, schedule: dict | None) -> float:
    """Multiplier of the preset's learning rates at `step` (1-based): 1 before `from`, then a
    geometric ramp down to `factor` at the last step."""
    if not schedule:
        return 1.0
    start = int(schedule["from"] * steps)
    if step <= start:
        return 1.0
    t = (step - start) / max(1, steps - start)
    return math.exp(t * math.log(schedule["factor"]))


def run(variants: dict[str, dict], seeds: list[int], steps: int, every: int, base: str = "grid25") -> dict:
    groups: dict = {}
    schedules: dict[str, dict | None] = {}
    base_lrs: dict[str, tuple[float, float]] = {}
    where: dict[str, BatchedGroup] = {}
    for name, overrides in variants.items():
        over = {k: dict(v) for k, v in overrides.items() if k != "schedule"}
        for seed in seeds:
            o = {k: dict(v) for k, v in over.items()}
            o.setdefault("train", {}).update(seed=seed, device="cpu")
            cfg = get_preset(base, **o)
            key = group_key(cfg)
            if key is None:
                raise SystemExit(f"variant {name!r} cannot be batched")
            rid = f"{name}|{seed}"
            g = groups.setdefault(key, BatchedGroup(key))
            g.add(rid, cfg)
            where[rid] = g
            schedules[rid] = overrides.get("schedule")
            base_lrs[rid] = (cfg.train.lr_g, cfg.train.lr_d)
    centers, std = mixture_centers("grid25")
    nz = {rid: g.book(rid).cfg.model.nz for rid, g in where.items()}
    zs = {n: torch.randn(2500, n, generator=torch.Generator().manual_seed(0)) for n in set(nz.values())}
    traj: dict[str, list] = {rid: [] for rid in where}
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        for rid, g in where.items():
            if schedules[rid]:
                f = lr_factor(step, steps, schedules[rid])
                g.set_lr(rid, lr_g=base_lrs[rid][0] * f, lr_d=base_lrs[rid][1] * f)
        for g in groups.values():
            g.step(set(g.run_ids))
        if step % every and step != steps:
            continue
        for rid, g in where.items():
            with torch.no_grad():
                cov = mode_coverage(g.export(rid).G_eval(zs[nz[rid]]), centers, std)
            traj[rid].append((step, cov.modes_covered, round(cov.high_quality_fraction, 3)))
        print(f"step {step} ({time.perf_counter() - t0:.0f} s): " + ", ".join(
            f"{rid} {t[-1][1]}/{t[-1][2]:.2f}" for rid, t in traj.items()), flush=True)
    print(f"# {len(where)} runs in {len(groups)} groups x {steps} steps in {time.perf_counter() - t0:.0f} s",
          flush=True)
    summary = {}
    for name in variants:
        mine = {rid: t for rid, t in traj.items() if rid.split("|")[0] == name}
        print(f"\n## {name}: {json.dumps(variants[name])}")
        for rid, t in mine.items():
            print(f"  seed {rid.split('|')[1]}: " + " ".join(f"{m}/{hq:.2f}@{s}" for s, m, hq in t))
        last = [t[-1] for t in mine.values()]
        good = sum(meets_bar(m, hq) for _, m, hq in last)
        summary[name] = (good, len(last), sum(hq for _, _, hq in last) / len(last))
        print(f"  -> end: bar met {good}/{len(last)}, mean HQ {summary[name][2]:.2f}")
    print("\n" + "\n".join(f"{n}: bar {g}/{k}, mean HQ {h:.2f}" for n, (g, k, h) in summary.items()), flush=True)
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args, variants = search_args(ap, seeds=[0, 1], steps=6000, every=1000)
    run(variants, args.seeds, args.steps, args.every)


if __name__ == "__main__":
    main()
