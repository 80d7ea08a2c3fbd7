"""What a live fix that cannot be batched costs the class: ms per class step with runs in the solo lane.

    python -m benchmarks.solo_lane [--runs 30] [--solo 0 1 4] [--fix unrolled_steps=5] [--repeats 30]

R runs of the ring8-collapse preset (seeds 0..R-1) in one BatchedGroup; S of them switched to a fix
that cannot be batched (default: unrolled D, 5 steps, the lesson's live fix) move to the class's
solo lane (live/solo_lane.py), where each takes its own gan_core train_step. One class step is what
ClassHost's loop does once round: the group's batched step plus one step of each solo-lane run.
Each number is the median over `repeats` class steps after warm-up, on the threads given.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gan_core.presets import get_preset
from live.batched import BatchedGroup
from live.live_fixes import apply_live
from live.solo_lane import SoloLane


def class_step_ms(runs: int, solo: int, fix: dict, repeats: int) -> float:
    cfg = get_preset("ring8-collapse", train={"device": "cpu"})
    group, lane = BatchedGroup.for_config(cfg), SoloLane()
    for i in range(runs):
        group.add(f"r{i}", cfg.replace(train={"seed": i}))
    for i in range(solo):  # as ClassHost.set_live moves a run: out of its group with its state, into the lane
        gan = group.release(f"r{i}")
        apply_live(gan, fix)
        lane.adopt(f"r{i}", gan)
    times = []
    for k in range(repeats + 5):
        t0 = time.perf_counter()
        if len(group):
            group.step(set(group.run_ids))
        if len(lane):
            lane.step(set(lane.run_ids))
        if k >= 5:  # (warm-up first)
            times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--solo", type=int, nargs="+", default=[0, 1, 4])
    ap.add_argument("--fix", default="unrolled_steps=5", help="one live fix, key=value (live/live_fixes.py)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    key, _, value = args.fix.partition("=")
    fix = {key: (value.lower() == "true") if key == "feature_matching" else float(value)}
    if key == "unrolled_steps":
        fix[key] = int(fix[key])
    print(f"| runs | in the solo lane ({args.fix}) | ms per class step ({args.threads} thread) |")
    print("| --- | --- | --- |")
    for solo in args.solo:
        print(f"| {args.runs} | {solo} | {class_step_ms(args.runs, solo, fix, args.repeats):.1f} |", flush=True)


if __name__ == "__main__":
    main()
