"""What stepping a class together costs: ms per class step, batched vs separate runs.

    python -m benchmarks.batched_step [--runs 1 10 30] [--threads 1 2] [--repeats 15]

For each MLP size (the ring8 recipe otherwise: pack 2, EMA 0.99, Adam lr 1e-3), R runs with
seeds 0..R-1 take one step together in a BatchedGroup ("batched"), against the same R runs as
separate gan_core GANs each taking one train_step ("separate"; norms on, as the group computes
them on every step). Each number is the median over `repeats` class steps, after warm-up steps.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gan_core.gan import build_gan
from gan_core.presets import get_preset
from gan_core.train import train_step
from live.classroom.batched import BatchedGroup

SIZES = (  # (label, hidden, depth, batch)
    ("ring8 3x128 b256", 128, 3, 256),
    ("2x64 b128", 64, 2, 128),
    ("2x32 b128", 32, 2, 128),
    ("1x8 b150 (GAN Lab size)", 8, 1, 150),
)


def _median_ms(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def measure(hidden: int, depth: int, batch: int, runs: int, repeats: int) -> tuple[float, float]:
    """(batched, separate) ms per class step for `runs` runs of this size."""
    cfg = get_preset("ring8", model={"hidden": hidden, "depth": depth}, train={"batch_size": batch, "device": "cpu"})
    configs = [cfg.replace(train={"seed": seed}) for seed in range(runs)]
    group = BatchedGroup.for_config(cfg)
    for seed, c in enumerate(configs):
        group.add(f"run-{seed}", c)
    everyone = set(group.run_ids)
    batched = _median_ms(lambda: group.step(everyone), repeats)
    gans = [build_gan(c, "cpu") for c in configs]
    separate = _median_ms(lambda: [train_step(g) for g in gans], repeats)
    return batched, separate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", nargs="+", type=int, default=[1, 10, 30])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    print(f"torch {torch.__version__}; ms per class step (median of {args.repeats}); separate = R x train_step")
    print()
    print("| MLP (G and D), batch | threads | runs R | batched ms | separate ms | speed-up | batched ms per run |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, hidden, depth, batch in SIZES:
        for threads in args.threads:
            torch.set_num_threads(threads)
            for runs in args.runs:
                batched, separate = measure(hidden, depth, batch, runs, args.repeats)
                print(f"| {label} | {threads} | {runs} | {batched:.1f} | {separate:.1f} | {separate / batched:.1f}x "
                      f"| {batched / runs:.2f} |", flush=True)


if __name__ == "__main__":
    main()
