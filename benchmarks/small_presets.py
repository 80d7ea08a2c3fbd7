"""Search for the smallest 2D ring preset that covers all 8 modes, training 5 seeds at once.

    python -m benchmarks.small_presets [--sizes 2x64 2x32] [--lrs 1e-3 2e-3] [--batch 64] [--minibatch-std]

Each candidate is the ring8 recipe (PacGAN 2, EMA 0.99, Adam, non-saturating loss) at a smaller
MLP and batch. Its seeds, and its learning rates (per run in a group), are trained together in one
BatchedGroup. Every `every` steps each run's EMA generator draws 2,500 points from fixed noise
(seed 0, as `python -m gan_core evaluate` does) and gan_core.evaluation.metrics.mode_coverage counts the modes.
The target (docs/PRESETS.md, scripts/preset_table.py): 8/8 modes with high-quality fraction >= 0.8.
Per run it prints the first step that met it, whether the last evaluation still met it, and the
last evaluation's numbers.
"""

from __future__ import annotations

import argparse
import time

import torch

from gan_core.data.points import mixture_centers
from gan_core.evaluation.metrics import mode_coverage
from gan_core.presets import get_preset
from live.classroom.batched import BatchedGroup

SIZES = {"2x64": (64, 2, 128), "2x32": (32, 2, 128), "2x16": (16, 2, 128), "1x64": (64, 1, 128),
         "3x64": (64, 3, 128)}  # name -> (hidden, depth, batch)


def met(cov) -> bool:
    return cov.modes_covered == cov.n_modes and cov.high_quality_fraction >= 0.8


def search(size: str, lrs: list[float], seeds: list[int], steps: int, every: int, extra: dict,
           batch: int | None = None) -> list[dict]:
    hidden, depth, size_batch = SIZES[size]
    batch = batch or size_batch
    base = get_preset("ring8", model={"hidden": hidden, "depth": depth, **extra.get("model", {})},
                      loss=extra.get("loss", {}), train={"batch_size": batch, "device": "cpu"})
    group = BatchedGroup.for_config(base)
    for lr in lrs:
        for seed in seeds:
            group.add(f"lr{lr:g}-s{seed}", base.replace(train={"seed": seed, "lr_g": lr, "lr_d": lr}))
    centers, std = mixture_centers("ring8")
    z = torch.randn(2500, base.model.nz, generator=torch.Generator().manual_seed(0))
    rows = {run_id: {"run": run_id, "first": None, "last": None} for run_id in group.run_ids}
    everyone = set(group.run_ids)
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        group.step(everyone)
        if step % every:
            continue
        for run_id in group.run_ids:
            with torch.no_grad():
                cov = mode_coverage(group.export(run_id).G_eval(z), centers, std)
            row = rows[run_id]
            row["last"] = (step, cov.modes_covered, cov.high_quality_fraction, met(cov))
            if met(cov) and row["first"] is None:
                row["first"] = step
    seconds = time.perf_counter() - t0
    print(f"\n## {size} batch {batch} {extra or ''}: {len(group)} runs x {steps} steps in {seconds:.0f} s "
          f"(with evaluations every {every})\n")
    print("| run | first step 8/8 and HQ >= 0.8 | modes at the end | HQ fraction at the end | met at the end |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows.values():
        step, modes, hq, ok = row["last"]
        print(f"| {row['run']} | {row['first'] or '-'} | {modes}/8 | {hq:.3f} | {'yes' if ok else 'no'} |")
    for lr in lrs:
        mine = [r for r in rows.values() if r["run"].startswith(f"lr{lr:g}-")]
        print(f"\nlr {lr:g}: reached by {sum(r['first'] is not None for r in mine)} of {len(mine)} seeds, "
              f"still met at step {steps} by {sum(r['last'][3] for r in mine)}")
    return list(rows.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["2x64", "2x32"], choices=list(SIZES))
    ap.add_argument("--lrs", nargs="+", type=float, default=[1e-3, 2e-3])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--every", type=int, default=250)
    ap.add_argument("--minibatch-std", action="store_true", help="add D's minibatch std-dev feature")
    ap.add_argument("--batch", type=int, default=None, help="batch size instead of the size's own (128)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    extra = {"model": {"minibatch_std": True}} if args.minibatch_std else {}
    for size in args.sizes:
        search(size, args.lrs, args.seeds, args.steps, args.every, extra, args.batch)


if __name__ == "__main__":
    main()
