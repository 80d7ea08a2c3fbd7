"""What live fixes cost the class: ms per class step with runs in the solo lane, or in an unrolled group.

    python -m benchmarks.solo_lane_share [--runs 30] [--moved 0 1 4 30] [--fix r1_gamma=1] [--repeats 30] [--host]

R runs of the ring8-collapse preset (seeds 0..R-1) in one BatchedGroup; M of them take a live fix the
way ClassHost.set_live moves them: out of their group with their state (transfer.release), the fix
applied (live_fixes.apply_live), and into the group of their new key, or the class's solo lane when
the fix cannot be batched (R1, feature matching: live/classroom/solo_lane.py, each run its own gan_core step).
One class step is what ClassHost's loop does once round, here without the class's fair share
(live/classroom/fair_share.py): every group's batched step, then one step of each solo-lane run. Each number is the
median over `repeats` class steps after warm-up, on the threads given. --host runs the class process's
own loop instead (ClassHost, where each run takes one run's share of the loop: live/classroom/fair_share.py)
and reports steps per second of a plain run before and after the switch, and of a moved run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gan_core.presets import get_preset
from live.classroom import solo_lane
from live.classroom.batched import BatchedGroup, group_key
from live.classroom.solo_lane import SoloLane
from live.run import LiveSettings
from live.single.live_fixes import apply_live


def class_step_ms(runs: int, moved: int, fix: dict, repeats: int) -> float:
    cfg = get_preset("ring8-collapse", train={"device": "cpu"})
    groups, lane = {group_key(cfg): BatchedGroup.for_config(cfg)}, SoloLane()
    solo_lane.MAX_SOLO_RUNS = max(solo_lane.MAX_SOLO_RUNS, runs)  # (the bench measures past the app's cap)
    for i in range(runs):
        groups[group_key(cfg)].add(f"r{i}", cfg.replace(train={"seed": i}))
    for i in range(moved):
        gan = groups[group_key(cfg)].release(f"r{i}")
        apply_live(gan, fix)
        key = group_key(gan.current_config())
        if key is None:
            lane.adopt(f"r{i}", gan)
        else:
            groups.setdefault(key, BatchedGroup(key)).adopt(f"r{i}", gan)
    steppers = [g for g in groups.values() if len(g)] + ([lane] if len(lane) else [])
    times = []
    for k in range(repeats + 5):
        t0 = time.perf_counter()
        for group in steppers:
            group.step(set(group.run_ids))
        if k >= 5:  # (warm-up first)
            times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def host_rates(runs: int, moved: int, fix: dict, seconds: float = 6.0) -> tuple[float, float, float, float]:
    """The class process's own loop (ClassHost, with the costly steps' share): steps per second of a
    plain run before the switch, then of a plain run and of a moved run after it."""
    from live.classroom.host import ClassHost
    cfg = get_preset("ring8-collapse", train={"device": "cpu"})
    host = ClassHost()
    members = [host.add(f"r{i}", cfg.replace(train={"seed": i})) for i in range(runs)]
    for m in members:
        m.start()

    def rates() -> list[float]:
        s0, t0 = [m.current_step for m in members], time.perf_counter()
        time.sleep(seconds)
        return [(m.current_step - a) / (time.perf_counter() - t0) for m, a in zip(members, s0)]

    try:
        time.sleep(2.0)
        before = rates()[-1]
        for m in members[:moved]:
            m.set_live(LiveSettings(**fix))
        time.sleep(1.0)
        after = rates()
        return before, after[-1], after[0], host.class_steps
    finally:
        host.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--moved", type=int, nargs="+", default=[0, 1, 4])
    ap.add_argument("--fix", default="r1_gamma=1", help="one live fix, key=value (live/single/live_fixes.py)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--host", action="store_true", help="measure the class process's own loop (steps/s) instead")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    key, _, value = args.fix.partition("=")
    fix = {key: value.lower() == "true" if key == "feature_matching" else
           int(value) if key == "unrolled_steps" else float(value)}
    if args.host:
        print(f"| runs | with {args.fix} switched on live | plain run before (steps/s) | plain run after "
              "| a moved run |")
        print("| --- | --- | --- | --- | --- |")
        for moved in args.moved:
            before, plain, mover, _ = host_rates(args.runs, moved, fix)
            print(f"| {args.runs} | {moved} | {before:.0f} | {plain:.0f} | {mover:.0f} |", flush=True)
        return
    print(f"| runs | with {args.fix} switched on live | ms per class step ({args.threads} thread) |")
    print("| --- | --- | --- |")
    for moved in args.moved:
        print(f"| {args.runs} | {moved} | {class_step_ms(args.runs, moved, fix, args.repeats):.1f} |", flush=True)


if __name__ == "__main__":
    main()
