"""What one poll of a long class run costs the web server: the snapshot whole, or only its new rows.

A class member's snapshot crosses from the class process on every poll. A run's history grows to ~2,000
rows x 7 series, its metrics to 120 rows: sent whole, ~120 KB a poll after a few minutes of training.
`live/snapshot.since` sends only the rows the member lacks. This trains one ring8 class run until its
history is full size (`--steps`), then, while it trains on, times `--polls` snapshot reads each way in
this process (the web server's side): CPU and wall time per read, and the bytes pickled.

    python -m benchmarks.member_snapshot              # ~2 minutes on a 2-vCPU machine
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time

from gan_core.evaluation.diagnostics import live_metrics
from gan_core.presets import get_preset
from live.classroom.member import ClassMember
from live.single.remote import READ_TIMEOUT_S
from live.snapshot import held


def _time(read, polls: int, gap_s: float) -> dict:
    cpu, wall, sizes = [], [], []
    for _ in range(polls):
        time.sleep(gap_s)  # (a few new rows between reads, as between a page's polls)
        c, w = time.process_time(), time.perf_counter()
        snap = read()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        sizes.append(len(pickle.dumps(snap, protocol=pickle.HIGHEST_PROTOCOL)))
    return {"cpu_ms": 1e3 * statistics.median(cpu), "wall_ms": 1e3 * statistics.median(wall),
            "bytes": statistics.median(sizes)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.member_snapshot", description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=20_000, help="train this far first (the history is full by ~20,000)")
    p.add_argument("--polls", type=int, default=300)
    p.add_argument("--gap", type=float, default=0.05, help="seconds between reads")
    args = p.parse_args(argv)
    run = ClassMember(get_preset("ring8", train={"device": "cpu"}), metric_fn=live_metrics)
    try:
        run.start()
        while run.snapshot().step < args.steps:
            time.sleep(1.0)
        snap = run.snapshot()
        print(f"step {snap.step:,}: {len(snap.history['step'])} history rows, {len(snap.metrics)} metric rows")
        whole = _time(lambda: run._call("snapshot", wait_s=READ_TIMEOUT_S), args.polls, args.gap)
        new_rows = _time(run.snapshot, args.polls, args.gap)
        # (the bytes of the new-rows read: what crossed the wire, not the merged snapshot it answers)
        part = run._call("snapshot_since", *held(run.last_snapshot))
        new_rows["bytes"] = len(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
        print("| read | CPU per read (median) | wall per read | bytes across |\n| --- | --- | --- | --- |")
        for name, r in (("whole snapshot", whole), ("new rows only, merged", new_rows)):
            print(f"| {name} | {r['cpu_ms']:.2f} ms | {r['wall_ms']:.2f} ms | {r['bytes']:,.0f} |")
    finally:
        run.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
